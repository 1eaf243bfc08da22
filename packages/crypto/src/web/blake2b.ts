// BLAKE2b-256 (RFC 7693), unkeyed or keyed with 32 bytes, as small as it can be: the browser
// engine runs it only in the handshake (a dozen short inputs), so size beats speed here. The
// 64-bit words are pairs of 32-bit halves (lo at even, hi at odd indexes) in Uint32Arrays,
// which wrap every store to 32 bits. Byte-equal to @noble/hashes (test/blake2b-web.test.ts).

const IV = /* @__PURE__ */ Uint32Array.of(
  0xf3bcc908,
  0x6a09e667,
  0x84caa73b,
  0xbb67ae85,
  0xfe94f82b,
  0x3c6ef372,
  0x5f1d36f1,
  0xa54ff53a,
  0xade682d1,
  0x510e527f,
  0x2b3e6c1f,
  0x9b05688c,
  0xfb41bd6b,
  0x1f83d9ab,
  0x137e2179,
  0x5be0cd19,
)

/** The message schedule SIGMA, rows 0-9 (rounds 10 and 11 reuse rows 0 and 1), one hex digit each. */
const SIGMA = /* @__PURE__ */ Uint8Array.from(
  '0123456789abcdefea489fd61c02b753b8c052fdae3671947931dcbe265a40f8905724afe1bc683d2c6a0b834d75fe19c51fed4a0763928bdb7ec13950f4862a6fe9b308c2d714a5a2847615fb9e3cd0',
  (c) => Number.parseInt(c, 16),
)

const v = /* @__PURE__ */ new Uint32Array(32)
const m = /* @__PURE__ */ new Uint32Array(32)

/** v[a] += v[b] + m[x] (64-bit; word indexes, each word two halves). */
function add(a: number, b: number, x: number): void {
  const lo = v[2 * a]! + v[2 * b]! + (x < 0 ? 0 : m[2 * x]!)
  v[2 * a + 1] = v[2 * a + 1]! + v[2 * b + 1]! + (x < 0 ? 0 : m[2 * x + 1]!) + Math.floor(lo / 0x100000000)
  v[2 * a] = lo
}

/** v[d] = (v[d] ^ v[a]) >>> r (64-bit rotation right by 32, 24, 16 or 63). */
function xorRot(d: number, a: number, r: number): void {
  const lo = v[2 * d]! ^ v[2 * a]!
  const hi = v[2 * d + 1]! ^ v[2 * a + 1]!
  if (r === 32) {
    v[2 * d] = hi
    v[2 * d + 1] = lo
  } else if (r === 63) {
    v[2 * d] = (lo << 1) | (hi >>> 31)
    v[2 * d + 1] = (hi << 1) | (lo >>> 31)
  } else {
    v[2 * d] = (lo >>> r) | (hi << (32 - r))
    v[2 * d + 1] = (hi >>> r) | (lo << (32 - r))
  }
}

/** The mixing function G on words a, b, c, d with message words x, y. */
function g(a: number, b: number, c: number, d: number, x: number, y: number): void {
  add(a, b, x)
  xorRot(d, a, 32)
  add(c, d, -1)
  xorRot(b, c, 24)
  add(a, b, y)
  xorRot(d, a, 16)
  add(c, d, -1)
  xorRot(b, c, 63)
}

/** Compresses one 128-byte block into `h`; `t`: bytes so far (below 2^53), `last`: the final block. */
function compress(h: Uint32Array, block: Uint8Array, t: number, last: boolean): void {
  for (let i = 0; i < 32; i++) {
    v[i] = i < 16 ? h[i]! : IV[i - 16]!
    m[i] = block[4 * i]! | (block[4 * i + 1]! << 8) | (block[4 * i + 2]! << 16) | (block[4 * i + 3]! << 24)
  }
  v[24] = v[24]! ^ t
  v[25] = v[25]! ^ (t / 0x100000000)
  if (last) {
    v[28] = ~v[28]!
    v[29] = ~v[29]!
  }
  for (let r = 0; r < 12; r++) {
    const s = (i: number) => SIGMA[(r % 10) * 16 + i]!
    g(0, 4, 8, 12, s(0), s(1))
    g(1, 5, 9, 13, s(2), s(3))
    g(2, 6, 10, 14, s(4), s(5))
    g(3, 7, 11, 15, s(6), s(7))
    g(0, 5, 10, 15, s(8), s(9))
    g(1, 6, 11, 12, s(10), s(11))
    g(2, 7, 8, 13, s(12), s(13))
    g(3, 4, 9, 14, s(14), s(15))
  }
  for (let i = 0; i < 16; i++) h[i] = h[i]! ^ v[i]! ^ v[i + 16]!
}

/** BLAKE2b with a 32-byte output over the concatenation of `parts`, keyed when `key` (32 bytes) is given. */
export function blake2b256(parts: readonly Uint8Array[], key?: Uint8Array): Uint8Array {
  const h = IV.slice()
  h[0] = h[0]! ^ 0x01010020 ^ ((key === undefined ? 0 : key.length) << 8)
  const block = new Uint8Array(128)
  let fill = 0
  let t = 0
  if (key !== undefined) {
    block.set(key)
    fill = 128
  }
  for (const part of parts) {
    for (let i = 0; i < part.length; ) {
      if (fill === 128) {
        t += 128
        compress(h, block, t, false)
        fill = 0
      }
      const n = Math.min(128 - fill, part.length - i)
      block.set(part.subarray(i, i + n), fill)
      fill += n
      i += n
    }
  }
  t += fill
  block.fill(0, fill)
  compress(h, block, t, true)
  block.fill(0)
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) out[i] = h[i >> 2]! >>> (8 * (i & 3))
  return out
}
