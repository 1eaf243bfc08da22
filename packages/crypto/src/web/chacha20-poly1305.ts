// ChaCha20-Poly1305 (RFC 8439 AEAD) for the browser engine, as small as it can be while fast
// enough for every record of a session: about 3 KB minified (1.4 KB gzip) where @noble/ciphers
// brings 11.7 KB (4.9 KB gzip: unrolled rounds, generic stream and MAC plumbing). The rounds are
// loops over a quarter-round function; Poly1305 multiplies five 26-bit limbs of h by ten 13-bit
// limbs of r in float arithmetic, every value an exact integer below 2^53 (the bounds are at
// polyBlock). Words are assembled from bytes and split back into bytes with shifts, never read
// through a byte view of a word array, so the platform's byte order does not matter.
// Byte-equal to @noble/ciphers' chacha20poly1305 (test/chacha20-poly1305-web.test.ts: the RFC
// 8439 vectors, random inputs against noble); its speed against noble: bench/aead-web.ts.
//
// A call runs start to end synchronously on module-level scratch, which it zero-fills before it
// returns or throws.

import { AeadError } from '../aead-error.js'
import type { Aead } from '../aead.js'

/** Scratch words: S the ChaCha input block, X its output, then Poly1305's H, R, T, P. */
const W = /* @__PURE__ */ new Int32Array(65)
const S = /* @__PURE__ */ W.subarray(0, 16)
const X = /* @__PURE__ */ W.subarray(16, 32)
/** The accumulator h, five 26-bit limbs (little-endian). */
const H = /* @__PURE__ */ W.subarray(32, 37)
/** R[9 + k] = limb k of r in 13-bit limbs, R[k - 1] = 5 × that limb (k ≥ 1): the factor 2^130 ≡ 5 of the wrapped products. */
const R = /* @__PURE__ */ W.subarray(37, 56)
/** g = h + 5 - 2^130 in the final reduction. */
const T = /* @__PURE__ */ W.subarray(56, 61)
/** s, the second half of the one-time key, four 32-bit words. */
const P = /* @__PURE__ */ W.subarray(61, 65)
/** A 16-byte block: a zero-padded tail, the lengths block, the computed tag in open. */
const B = /* @__PURE__ */ new Uint8Array(16)

const le32 = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)

/** X[a], X[b], X[c], X[d] through the ChaCha quarter round (RFC 8439 2.1). */
function qr(a: number, b: number, c: number, d: number): void {
  let A = X[a]!
  let Bw = X[b]!
  let C = X[c]!
  let D = X[d]!
  A = (A + Bw) | 0
  D ^= A
  D = (D << 16) | (D >>> 16)
  C = (C + D) | 0
  Bw ^= C
  Bw = (Bw << 12) | (Bw >>> 20)
  A = (A + Bw) | 0
  D ^= A
  D = (D << 8) | (D >>> 24)
  C = (C + D) | 0
  Bw ^= C
  Bw = (Bw << 7) | (Bw >>> 25)
  X[a] = A
  X[b] = Bw
  X[c] = C
  X[d] = D
}

/** X = the ChaCha20 block of S (RFC 8439 2.3): ten double rounds, four columns then four diagonals. */
function block(): void {
  X.set(S)
  for (let i = 0; i < 10; i++) {
    for (let q = 0; q < 4; q++) qr(q, q + 4, q + 8, q + 12)
    for (let q = 0; q < 4; q++) qr(q, 4 + ((q + 1) & 3), 8 + ((q + 2) & 3), 12 + ((q + 3) & 3))
  }
  for (let i = 0; i < 16; i++) X[i] = X[i]! + S[i]!
}

/** S = constants ‖ key ‖ counter 0 ‖ nonce. */
function setup(key: Uint8Array, nonce: Uint8Array): void {
  S[0] = 0x61707865
  S[1] = 0x3320646e
  S[2] = 0x79622d32
  S[3] = 0x6b206574
  for (let i = 0; i < 8; i++) S[4 + i] = le32(key, 4 * i)
  S[12] = 0
  for (let i = 0; i < 3; i++) S[13 + i] = le32(nonce, 4 * i)
}

/**
 * out[o..o+n) = src[0..n) XOR the key stream from block `counter` on (RFC 8439 2.4), a key
 * stream word at a time. Each byte is read just before the same position of the output is
 * written, so `src` may be the destination itself (in place).
 */
function xor(src: Uint8Array, out: Uint8Array, o: number, n: number, counter: number): void {
  for (let p = 0; p < n; p += 64) {
    S[12] = counter++
    block()
    const e = Math.min(64, n - p)
    let j = 0
    for (; j + 4 <= e; j += 4) {
      const w = X[j >> 2]!
      const q = o + p + j
      const s = p + j
      out[q] = src[s]! ^ w
      out[q + 1] = src[s + 1]! ^ (w >> 8)
      out[q + 2] = src[s + 2]! ^ (w >> 16)
      out[q + 3] = src[s + 3]! ^ (w >> 24)
    }
    for (; j < e; j++) out[o + p + j] = src[p + j]! ^ (X[j >> 2]! >> ((j & 3) << 3))
  }
}

/** H = 0; r (clamped) and s from the 32-byte one-time key in the words k(0) .. k(7) (RFC 8439 2.5). */
function polyInit(k: (i: number) => number): void {
  const r = [k(0) & 0x0fffffff, k(1) & 0x0ffffffc, k(2) & 0x0ffffffc, k(3) & 0x0ffffffc, 0]
  for (let i = 0; i < 10; i++) {
    // limb i: bits 13i .. 13i + 12 of r, from the word holding bit 13i and the next one
    const w = (13 * i) >> 5
    const sh = (13 * i) & 31
    const limb = ((r[w]! >>> sh) | (sh > 19 ? r[w + 1]! << (32 - sh) : 0)) & 0x1fff
    R[9 + i] = limb
    if (i > 0) R[i - 1] = 5 * limb
  }
  for (let i = 0; i < 4; i++) P[i] = k(4 + i)
  H.fill(0)
}

/**
 * h = (h + block) · r mod 2^130 - 5, for the 16 bytes m[o..o+16) and `hibit` 2^128 (1; 0 only
 * for the padded last block of a bare Poly1305 message).
 *
 * h has five 26-bit limbs, r ten 13-bit limbs: h_j · r_k lands at bit 26j + 13k, so the product
 * is ten 13-bit columns of five terms each (50 multiplications; ten 13-bit limbs for both would
 * take 100, five 26-bit limbs for both would overflow). Column p gets h_j · R[9 + p - 2j]: r_k
 * for k = p - 2j ≥ 0, else 5 · r_(k + 10) (the terms above 2^130, since 2^130 ≡ 5 mod p).
 *
 * Ranges, so that every value is an integer below 2^53 (exact in a float), and the 32-bit bit
 * operations only take the low bits of a value: on entry every H[i] < 2^26 except
 * H[1] < 2^26 + 2^9 (the carry of the fold below); adding the block's limbs (< 2^26) gives
 * H[j] < 2^27.01. R[k] < 5 · 2^13 < 2^15.33, so a product is below 2^42.34 and a column's five
 * below 2^44.67. The carry c into a column is below 2^32 (by induction: c ≤ d / 2^13 with
 * d < 2^32 + 2^44.67), so every d < 2^44.68: exact. `d & 0x1fff` is d's low 13 bits though d
 * passes 2^32 (ToInt32 keeps d mod 2^32, a multiple of 2^13 away), and `Math.floor(d / 8192)`
 * is exact (a power of two). The last carry c, the part above 2^130, folds into limb 0 as 5c:
 * H[0] + 5c < 2^34.1, exact; its carry into limb 1 is below 2^8.1, so the entry bounds hold for
 * the next block.
 */
function polyBlock(m: Uint8Array, o: number, hibit: number): void {
  for (let i = 0; i < 4; i++) H[i] = H[i]! + ((le32(m, o + ((26 * i) >> 3)) >>> ((26 * i) & 7)) & 0x3ffffff)
  H[4] = H[4]! + (m[o + 13]! | (m[o + 14]! << 8) | (m[o + 15]! << 16) | (hibit << 24))
  // h in locals: H takes the product's limbs while the columns still read the old ones
  const h0 = H[0]!
  const h1 = H[1]!
  const h2 = H[2]!
  const h3 = H[3]!
  const h4 = H[4]!
  let c = 0
  let lo = 0
  for (let p = 0; p < 10; p++) {
    const d = c + (h0 * R[9 + p]! + h1 * R[7 + p]!) + (h2 * R[5 + p]! + h3 * R[3 + p]!) + h4 * R[1 + p]!
    c = Math.floor(d / 8192)
    if (p & 1) H[p >> 1] = lo | ((d & 0x1fff) << 13)
    else lo = d & 0x1fff
  }
  c = 5 * c + H[0]!
  H[0] = c & 0x3ffffff
  H[1] = H[1]! + Math.floor(c / 0x4000000)
}

/** MACs d[o..o+n) zero-padded to a multiple of 16 bytes (RFC 8439 2.8). */
function polyPadded(d: Uint8Array, o: number, n: number): void {
  let p = 0
  for (; p + 16 <= n; p += 16) polyBlock(d, o + p, 1)
  if (p < n) {
    for (let i = 0; i < 16; i++) B[i] = p + i < n ? d[o + p + i]! : 0
    polyBlock(B, 0, 1)
  }
}

/**
 * Writes the tag (h mod 2^130 - 5) + s mod 2^128 to out[o..o+16), in constant time.
 *
 * Two carry passes normalize h: on entry its limbs are below 2^26 but H[1] < 2^26 + 2^9, so the
 * first pass carries at most 1 out of limb 4 (bit 130), folded as 5 into limb 0: h < 2^130 + 5.
 * The second pass carries 1 out only if h ≥ 2^130, and then leaves h - 2^130 < 5 in limb 0 and
 * zero above, so its own fold (+5) stays below 2^26: every limb < 2^26. Then g = h + 5 - 2^130
 * replaces h exactly when h + 5 carries out of bit 130 (h ≥ p), through a mask, not a branch.
 */
function polyFinish(out: Uint8Array, o: number): void {
  let c = 0
  for (let k = 0; k < 2; k++) {
    c = 0
    for (let i = 0; i < 5; i++) {
      c += H[i]!
      H[i] = c & 0x3ffffff
      c >>>= 26
    }
    H[0] = H[0]! + 5 * c
  }
  c = 5
  for (let i = 0; i < 5; i++) {
    c += H[i]!
    T[i] = c & 0x3ffffff
    c >>>= 26
  }
  const mask = -c // c is 1 (take g) or 0 (keep h)
  for (let i = 0; i < 5; i++) H[i] = H[i]! ^ ((H[i]! ^ T[i]!) & mask)
  c = 0
  for (let k = 0; k < 4; k++) {
    // word k of h (bits 32k .. 32k + 31) plus word k of s, with the carry of the word below
    c += (((H[k]! >>> (6 * k)) | (H[k + 1]! << (26 - 6 * k))) >>> 0) + (P[k]! >>> 0)
    for (let b = 0; b < 4; b++) out[o + 4 * k + b] = c >>> (8 * b)
    c = Math.floor(c / 0x100000000)
  }
}

/** S for `key` and `nonce`; the Poly1305 key from block 0 (RFC 8439 2.6). */
function start(key: Uint8Array, nonce: Uint8Array): void {
  setup(key, nonce)
  block()
  polyInit((i) => X[i]!)
}

/** MACs aad and ct[o..o+n) with the lengths block; tag to out[to..to+16). */
function mac(aad: Uint8Array | undefined, ct: Uint8Array, o: number, n: number, out: Uint8Array, to: number): void {
  const a = aad === undefined ? 0 : aad.length
  if (aad !== undefined) polyPadded(aad, 0, a)
  polyPadded(ct, o, n)
  for (let i = 0; i < 8; i++) {
    B[i] = a / 256 ** i
    B[i + 8] = n / 256 ** i
  }
  polyBlock(B, 0, 1)
  polyFinish(out, to)
}

function wipe(): void {
  W.fill(0)
  B.fill(0)
}

/** Seals `plaintext` into out[o..o + plaintext.length + 16); in place when plaintext starts at out[o]. */
export function chachaSealInto(key: Uint8Array, out: Uint8Array, o: number, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): number {
  const n = plaintext.length
  start(key, nonce)
  xor(plaintext, out, o, n, 1)
  mac(aad, out, o, n, out, o + n)
  wipe()
  return n + 16
}

/** Checks the tag (in constant time) before it decrypts into out[o..o + sealed.length - 16); writes nothing when it fails. */
export function chachaOpenInto(key: Uint8Array, out: Uint8Array, o: number, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): number {
  const n = sealed.length - 16
  start(key, nonce)
  mac(aad, sealed, 0, n, B, 0)
  let diff = 0
  for (let i = 0; i < 16; i++) diff |= B[i]! ^ sealed[n + i]!
  if (diff !== 0) {
    wipe()
    throw new AeadError()
  }
  xor(sealed, out, o, n, 1)
  wipe()
  return n
}

/** One-shot seal: ciphertext ‖ tag in a new array. */
export function chachaSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
  const out = new Uint8Array(plaintext.length + 16)
  chachaSealInto(key, out, 0, nonce, plaintext, aad)
  return out
}

/** One-shot open: the plaintext in a new array, or `AeadError`. */
export function chachaOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
  const out = new Uint8Array(sealed.length - 16)
  chachaOpenInto(key, out, 0, nonce, sealed, aad)
  return out
}

/** The `Aead` of the web engine, bound to `key` (a private copy). */
export function chachaAead(key: Uint8Array): Aead {
  return {
    seal: (nonce, plaintext, aad) => chachaSeal(key, nonce, plaintext, aad),
    open: (nonce, sealed, aad) => chachaOpen(key, nonce, sealed, aad),
    sealInto: (out, o, nonce, plaintext, aad) => chachaSealInto(key, out, o, nonce, plaintext, aad),
    openInto: (out, o, nonce, sealed, aad) => chachaOpenInto(key, out, o, nonce, sealed, aad),
  }
}

// For the RFC 8439 vectors of the parts (test/chacha20-poly1305-web.test.ts); bundlers drop them.

/** The ChaCha20 block function (RFC 8439 2.3): 64 bytes. */
export function chacha20Block(key: Uint8Array, nonce: Uint8Array, counter: number): Uint8Array {
  const out = new Uint8Array(64)
  setup(key, nonce)
  xor(out, out, 0, 64, counter)
  wipe()
  return out
}

/** ChaCha20 encryption (RFC 8439 2.4). */
export function chacha20(key: Uint8Array, nonce: Uint8Array, counter: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length)
  setup(key, nonce)
  xor(data, out, 0, data.length, counter)
  wipe()
  return out
}

/** Poly1305 of `message` under a 32-byte one-time key (RFC 8439 2.5): 16 bytes. */
export function poly1305(key: Uint8Array, message: Uint8Array): Uint8Array {
  const out = new Uint8Array(16)
  polyInit((i) => le32(key, 4 * i))
  const full = message.length & ~15
  for (let p = 0; p < full; p += 16) polyBlock(message, p, 1)
  if (full < message.length) {
    B.fill(0)
    B.set(message.subarray(full))
    B[message.length - full] = 1
    polyBlock(B, 0, 0)
  }
  polyFinish(out, 0)
  wipe()
  return out
}
