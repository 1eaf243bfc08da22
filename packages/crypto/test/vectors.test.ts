import { blake2b } from '@noble/hashes/blake2.js'
import { describe, expect, it } from 'vitest'
import { hex, impls, toHex, vectors } from './helpers.js'

const ed = vectors('ed25519')
const x = vectors('x25519')
const aeadV = vectors('chacha20poly1305')
const b2 = vectors('blake2b')

describe('BLAKE2b (RFC 7693)', () => {
  it('appendix A: BLAKE2b-512("abc") through noble matches the RFC and python hashlib', () => {
    expect(toHex(blake2b(new TextEncoder().encode('abc')))).toBe(b2.rfc7693_appendix_a)
    expect(b2.blake2b512_abc.digest).toBe(b2.rfc7693_appendix_a)
  })
})

for (const { name, api } of impls) {
  describe(`${name}: RFC 8032 section 7.1 (Ed25519)`, () => {
    for (const v of ed.vectors) {
      it(v.name, () => {
        const key = api.SigningKey.fromSeed(hex(v.seed))
        expect(key.publicKey.toHex()).toBe(v.publicKey)
        const sig = key.sign(hex(v.message))
        expect(toHex(sig)).toBe(v.signature)
        expect(sig.constructor).toBe(Uint8Array)
        const pub = api.PublicKey.fromHex(v.publicKey)
        expect(pub.verify(hex(v.signature), hex(v.message))).toBe(true)
        expect(pub.verify(hex(v.signature), new Uint8Array([1, 2, 3]))).toBe(false)
      })
    }
  })

  describe(`${name}: RFC 7748 (X25519)`, () => {
    it('section 5.2 scalar multiplications', () => {
      for (const v of x.scalarMult) {
        expect(toHex(api.x25519SharedSecret(hex(v.scalar), hex(v.u)))).toBe(v.out)
      }
    })

    it('section 5.2 iterated, 1 and 1000 rounds', () => {
      let k = hex(x.iterated.start)
      let u = hex(x.iterated.start)
      for (let i = 1; i <= 1000; i++) {
        const r = api.x25519SharedSecret(k, u)
        u = k
        k = r
        if (i === 1) expect(toHex(k)).toBe(x.iterated.after1)
      }
      expect(toHex(k)).toBe(x.iterated.after1000)
    })

    it('section 6.1 Diffie-Hellman', () => {
      const alice = api.x25519KeyPairFromSecret(hex(x.dh.alicePrivate))
      const bob = api.x25519KeyPairFromSecret(hex(x.dh.bobPrivate))
      expect(toHex(alice.publicKey)).toBe(x.dh.alicePublic)
      expect(toHex(bob.publicKey)).toBe(x.dh.bobPublic)
      expect(toHex(api.x25519SharedSecret(alice.secretKey, bob.publicKey))).toBe(x.dh.shared)
      expect(toHex(api.x25519SharedSecret(bob.secretKey, alice.publicKey))).toBe(x.dh.shared)
    })

    it('every low-order public key gives LowOrderKeyError (code kp.LowOrderKey)', () => {
      const mine = api.x25519KeyPair()
      for (const u of x.lowOrder) {
        let err: unknown
        try {
          api.x25519SharedSecret(mine.secretKey, hex(u))
        } catch (e) {
          err = e
        }
        expect(api.CryptoError.isInstance(err), u).toBe(true)
        expect(api.LowOrderKeyError.isInstance(err)).toBe(true)
        expect((err as { code: string }).code).toBe('kp.LowOrderKey')
        expect((err as Error).message).toMatch(/low order/)
      }
    })
  })

  describe(`${name}: RFC 8439 section 2.8.2 (ChaCha20-Poly1305)`, () => {
    for (const v of aeadV.vectors) {
      it('seal and open, one-shot and keyed', () => {
        const pt = new TextEncoder().encode(v.plaintextAscii)
        const sealed = api.seal(hex(v.key), hex(v.nonce), pt, hex(v.aad))
        expect(toHex(sealed)).toBe(v.ciphertext + v.tag)
        expect(sealed.constructor).toBe(Uint8Array)
        const opened = api.open(hex(v.key), hex(v.nonce), sealed, hex(v.aad))
        expect(opened.constructor).toBe(Uint8Array)
        expect(new TextDecoder().decode(opened)).toBe(v.plaintextAscii)
        const a = api.aead(hex(v.key))
        expect(toHex(a.seal(hex(v.nonce), pt, hex(v.aad)))).toBe(v.ciphertext + v.tag)
        expect(toHex(a.open(hex(v.nonce), hex(v.ciphertext + v.tag), hex(v.aad)))).toBe(toHex(pt))
      })
    }
  })

  describe(`${name}: BLAKE2b-256 hash and kdf`, () => {
    it('hash matches python hashlib, one part or split into many', () => {
      for (const v of b2.hash) {
        const m = hex(v.message)
        expect(toHex(api.hash(m))).toBe(v.digest)
        expect(toHex(api.hash(m.subarray(0, 1), m.subarray(1, 5), m.subarray(5)))).toBe(v.digest)
      }
      expect(toHex(api.hash())).toBe(b2.hash[0].digest)
      expect(toHex(api.hash('abc'))).toBe(b2.hash[1].digest)
      expect(toHex(api.hash('a', new Uint8Array([0x62]), 'c'))).toBe(b2.hash[1].digest)
    })

    it('kdf matches python hashlib keyed BLAKE2b-256', () => {
      for (const v of b2.kdf) {
        const m = hex(v.message)
        expect(toHex(api.kdf(hex(v.key), m))).toBe(v.digest)
        expect(toHex(api.kdf(hex(v.key), m.subarray(0, 3), m.subarray(3)))).toBe(v.digest)
      }
      const last = b2.kdf[b2.kdf.length - 1]
      expect(toHex(api.kdf(hex(last.key), 'kp1-c2s'))).toBe(last.digest)
    })
  })
}
