import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { isAcceptablePublicKey } from '../src/ed25519-rules.js'
import { hex, impls, nobleApi, nodeApi, toHex, vectors } from './helpers.js'

const Point = ed25519.Point
const L = Point.Fn.ORDER
const speccheck = vectors('ed25519-speccheck')

/** The verdict of every engine (sodium, node, noble), in that order. */
function all(pub: Uint8Array, sig: Uint8Array, msg: Uint8Array): boolean[] {
  return impls.map(({ api }) => api.PublicKey.fromBytes(pub).verify(sig, msg))
}

/** `n` copies of a verdict, one per engine. */
const each = (v: boolean) => impls.map(() => v)

/** The 8 points of small order. */
function torsion(): InstanceType<typeof Point>[] {
  let T: InstanceType<typeof Point> | undefined
  for (let y = 2n; T === undefined; y++) {
    try {
      const p = Point.fromBytes(numberToBytesLE(y, 32))
      const q = p.multiplyUnsafe(L - 1n).add(p) // [L]P: the torsion component
      if (!q.double().double().is0()) T = q // order 8
    } catch {}
  }
  const out = [Point.ZERO]
  for (let i = 1; i < 8; i++) out.push(out[i - 1]!.add(T))
  return out
}

describe('Ed25519 edge cases: every engine accepts exactly the same signatures', () => {
  it('speccheck cases (Chalkias et al.): only the two plain valid ones are accepted, by every engine', () => {
    const accepted: number[] = []
    for (const c of speccheck.cases) {
      const verdicts = all(hex(c.pub_key), hex(c.signature), hex(c.message))
      expect(verdicts, `case ${c.index}`).toEqual(each(verdicts[0]!))
      if (verdicts[0]) accepted.push(c.index)
    }
    expect(accepted).toEqual([5, 6])
  })

  it('the small-order table in ed25519-rules matches the curve (all 8 points, both sign bits)', () => {
    for (const t of torsion()) {
      const enc = t.toBytes()
      expect(isAcceptablePublicKey(enc)).toBe(false)
      const flipped = enc.slice()
      flipped[31]! ^= 0x80
      expect(isAcceptablePublicKey(flipped)).toBe(false)
    }
    expect(isAcceptablePublicKey(nodeApi.SigningKey.generate().publicKey.bytes)).toBe(true)
  })

  it('small-order public key with a "signature" that OpenSSL alone would accept', () => {
    // A = identity, R = identity, S = 0: [0]B - [k]O = O for every message
    const A = Point.ZERO.toBytes()
    const sig = new Uint8Array(64)
    sig.set(A, 0)
    expect(all(A, sig, new Uint8Array([1, 2, 3]))).toEqual(each(false))
  })

  it('non-canonical public key encodings (y >= p) are rejected', () => {
    const yp = hex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f')
    for (let d = 0; d < 19; d++) {
      const b = yp.slice()
      b[0]! += d
      expect(isAcceptablePublicKey(b), `p+${d}`).toBe(false)
      b[31]! |= 0x80
      expect(isAcceptablePublicKey(b), `p+${d} with sign bit`).toBe(false)
    }
  })

  it('S >= L is rejected, S + L of a valid signature too', () => {
    const sk = nodeApi.SigningKey.generate()
    const msg = new Uint8Array([9])
    const sig = sk.sign(msg)
    const s = bytesToNumberLE(sig.subarray(32))
    const bad = sig.slice()
    bad.set(numberToBytesLE(s + L, 32), 32)
    expect(all(sk.publicKey.bytes, bad, msg)).toEqual(each(false))
  })

  it('a public key not on the curve verifies nothing, in any engine', () => {
    const notOnCurve = numberToBytesLE(2n, 32)
    expect(() => Point.fromBytes(notOnCurve)).toThrow()
    expect(all(notOnCurve, new Uint8Array(64), new Uint8Array(0))).toEqual(each(false))
  })

  it('mixed-order public key: cofactorless rule in every engine (noble alone would accept more)', () => {
    // A = [a]B + T8. A signature made with a satisfies [S]B = R + [k]A iff [k]T8 = 0, i.e.
    // k = 0 mod 8. noble's own zip215:false verify checks the cofactored equation and accepts
    // all of them; this package must agree with OpenSSL.
    const T8 = torsion()[1]!
    const a = 1234567890123456789n
    const A = Point.BASE.multiply(a).add(T8)
    const Ab = A.toBytes()
    let cofactorOnly = 0
    let plainOk = 0
    for (let i = 0; i < 64 && (cofactorOnly < 3 || plainOk < 1); i++) {
      const msg = new Uint8Array([i])
      const r = 1000n + BigInt(i)
      const R = Point.BASE.multiply(r).toBytes()
      const kh = sha512.create().update(R).update(Ab).update(msg).digest()
      const k = bytesToNumberLE(kh) % L
      const S = (r + k * a) % L
      const sig = new Uint8Array(64)
      sig.set(R, 0)
      sig.set(numberToBytesLE(S, 32), 32)
      const expected = k % 8n === 0n
      expect(all(Ab, sig, msg), `k mod 8 = ${k % 8n}`).toEqual(each(expected))
      expect(ed25519.verify(sig, msg, Ab, { zip215: false })).toBe(true) // noble: cofactored
      if (expected) plainOk++
      else cofactorOnly++
    }
    expect(cofactorOnly).toBeGreaterThan(0)
  })

  it('R of small order: accepted by every engine exactly when the cofactorless equation holds (libsodium alone refuses them all)', () => {
    // libsodium's crypto_sign_verify_detached rejects any R of small order; the package rule
    // does not. The sodium engine hands such signatures to node:crypto, so the verdicts agree.
    const sodium = createRequire(import.meta.url)('sodium-native') as {
      crypto_sign_verify_detached(sig: Uint8Array, m: Uint8Array, pk: Uint8Array): boolean
    }
    const T = torsion()
    const a = 987654321987654321n
    const keys = [Point.BASE.multiply(a), Point.BASE.multiply(a).add(T[1]!)] // prime order, mixed order
    let accepted = 0
    let rejected = 0
    for (const A of keys) {
      const Ab = A.toBytes()
      for (const Rp of T) {
        const Rb = Rp.toBytes()
        for (let i = 0; i < 4; i++) {
          const msg = new Uint8Array([i, Rb[0]!])
          const k = bytesToNumberLE(sha512.create().update(Rb).update(Ab).update(msg).digest()) % L
          const S = (k * a) % L // [S]B - [k]A = -[k]T for the mixed key, O for the prime-order one
          const sig = new Uint8Array(64)
          sig.set(Rb, 0)
          sig.set(numberToBytesLE(S, 32), 32)
          const check = Point.BASE.multiplyUnsafe(S).subtract(A.multiplyUnsafe(k))
          const expected = toHex(check.toBytes()) === toHex(Rb)
          expect(all(Ab, sig, msg), `R=${toHex(Rb)} k mod 8=${k % 8n}`).toEqual(each(expected))
          expect(sodium.crypto_sign_verify_detached(sig, msg, Ab)).toBe(false)
          if (expected) accepted++
          else rejected++
        }
      }
    }
    expect(accepted).toBeGreaterThanOrEqual(4) // R = identity with the prime-order key, every message
    expect(rejected).toBeGreaterThan(0)
  })

  it('R a non-canonical encoding of a small-order point (y = p, p + 1, either sign): rejected by every engine', () => {
    const sk = nodeApi.SigningKey.generate()
    const msg = new Uint8Array([5])
    const good = sk.sign(msg)
    for (const y0 of [0xed, 0xee]) {
      for (const sign of [0, 0x80]) {
        const sig = good.slice()
        sig.fill(0xff, 1, 31)
        sig[0] = y0
        sig[31] = 0x7f | sign
        expect(all(sk.publicKey.bytes, sig, msg)).toEqual(each(false))
      }
    }
  })

  it('noble signer (cached expanded key) is byte-equal to ed25519.sign', () => {
    for (let i = 0; i < 20; i++) {
      const seed = nodeApi.randomBytes(32)
      const msg = nodeApi.randomBytes(i * 13)
      expect(toHex(nobleApi.SigningKey.fromSeed(seed).sign(msg))).toBe(toHex(ed25519.sign(msg, seed)))
    }
  })
})
