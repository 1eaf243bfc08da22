import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { impls, nobleApi, nodeApi, toHex } from './helpers.js'

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n })
const RUNS = { numRuns: 60 }

describe('node and noble give byte-equal results', () => {
  it('backend names', () => {
    expect(nodeApi.backend).toBe('node')
    expect(nobleApi.backend).toBe('noble')
  })

  it('Ed25519: same public key and signature; each verifies the other', () => {
    fc.assert(
      fc.property(bytes(32), fc.uint8Array({ maxLength: 300 }), (seed, msg) => {
        const a = nodeApi.SigningKey.fromSeed(seed)
        const b = nobleApi.SigningKey.fromSeed(seed)
        expect(a.publicKey.toHex()).toBe(b.publicKey.toHex())
        const sa = a.sign(msg)
        const sb = b.sign(msg)
        expect(toHex(sa)).toBe(toHex(sb))
        expect(nobleApi.PublicKey.from(a.publicKey).verify(sa, msg)).toBe(true)
        expect(nodeApi.PublicKey.from(b.publicKey).verify(sb, msg)).toBe(true)
      }),
      RUNS,
    )
  })

  it('X25519: same public keys and shared secret', () => {
    fc.assert(
      fc.property(bytes(32), bytes(32), (s1, s2) => {
        const a = nodeApi.x25519KeyPairFromSecret(s1)
        const b = nobleApi.x25519KeyPairFromSecret(s2)
        expect(toHex(a.publicKey)).toBe(toHex(nobleApi.x25519KeyPairFromSecret(s1).publicKey))
        expect(toHex(b.publicKey)).toBe(toHex(nodeApi.x25519KeyPairFromSecret(s2).publicKey))
        const k1 = nodeApi.x25519SharedSecret(a.secretKey, b.publicKey)
        const k2 = nobleApi.x25519SharedSecret(b.secretKey, a.publicKey)
        expect(toHex(k1)).toBe(toHex(k2))
      }),
      { numRuns: 15 },
    )
  })

  it('X25519: a generated pair (node caches its KeyObject) agrees with noble', () => {
    for (let i = 0; i < 5; i++) {
      const a = nodeApi.x25519KeyPair()
      const b = nobleApi.x25519KeyPair()
      expect(toHex(nobleApi.x25519KeyPairFromSecret(a.secretKey).publicKey)).toBe(toHex(a.publicKey))
      expect(toHex(nodeApi.x25519SharedSecret(a.secretKey, b.publicKey))).toBe(
        toHex(nobleApi.x25519SharedSecret(b.secretKey, a.publicKey)),
      )
    }
  })

  it('node: a cached X25519 secret that the caller changed or wiped is not used stale', () => {
    const a = nodeApi.x25519KeyPair()
    const peer = nodeApi.x25519KeyPair()
    a.secretKey[0]! ^= 1
    expect(toHex(nodeApi.x25519SharedSecret(a.secretKey, peer.publicKey))).toBe(
      toHex(nobleApi.x25519SharedSecret(a.secretKey, peer.publicKey)),
    )
    nodeApi.wipe(a.secretKey)
    expect(toHex(nodeApi.x25519SharedSecret(a.secretKey, peer.publicKey))).toBe(
      toHex(nobleApi.x25519SharedSecret(new Uint8Array(32), peer.publicKey)),
    )
  })

  it('ChaCha20-Poly1305: same sealed bytes; each opens the other', () => {
    fc.assert(
      fc.property(
        bytes(32),
        bytes(12),
        fc.uint8Array({ maxLength: 600 }),
        fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined }),
        (key, nonce, pt, aad) => {
          const s1 = nodeApi.seal(key, nonce, pt, aad)
          const s2 = nobleApi.aead(key).seal(nonce, pt, aad)
          expect(toHex(s1)).toBe(toHex(s2))
          expect(toHex(nobleApi.open(key, nonce, s1, aad))).toBe(toHex(pt))
          expect(toHex(nodeApi.aead(key).open(nonce, s2, aad))).toBe(toHex(pt))
        },
      ),
      RUNS,
    )
  })

  it('empty AAD is the same as no AAD, empty plaintext works', () => {
    const key = new Uint8Array(32).fill(7)
    const nonce = nodeApi.counterNonce(3)
    for (const { api } of impls) {
      const s = api.seal(key, nonce, new Uint8Array(0))
      expect(s.length).toBe(16)
      expect(toHex(api.seal(key, nonce, new Uint8Array(0), new Uint8Array(0)))).toBe(toHex(s))
      expect(api.open(key, nonce, s).length).toBe(0)
    }
    expect(toHex(nodeApi.seal(key, nonce, new Uint8Array(0)))).toBe(toHex(nobleApi.seal(key, nonce, new Uint8Array(0))))
  })

  it('large messages (1 MiB) agree', () => {
    const key = nodeApi.randomBytes(32)
    const nonce = nodeApi.counterNonce(2n ** 64n - 1n)
    const pt = nodeApi.randomBytes(1 << 20)
    const s = nodeApi.seal(key, nonce, pt)
    expect(nodeApi.constantTimeEqual(nobleApi.open(key, nonce, s), pt)).toBe(true)
    expect(toHex(nobleApi.seal(key, nonce, pt).subarray(-16))).toBe(toHex(s.subarray(-16)))
  })
})

for (const { name, api } of impls) {
  describe(`${name}: tampering is rejected`, () => {
    const key = api.randomBytes(32)
    const nonce = api.counterNonce(42)
    const aad = new TextEncoder().encode('header')
    const pt = new TextEncoder().encode('attack at dawn, bring snacks')
    const sealed = api.seal(key, nonce, pt, aad)

    function expectAeadError(f: () => unknown) {
      let err: unknown
      let out: unknown
      try {
        out = f()
      } catch (e) {
        err = e
      }
      expect(out).toBeUndefined()
      expect(api.AeadError.isInstance(err)).toBe(true)
      expect(api.CryptoError.isInstance(err)).toBe(true)
      expect((err as { code: string }).code).toBe('kp.Aead')
      expect((err as Error).name).toBe('AeadError')
    }

    it('every flipped bit of ciphertext or tag', () => {
      for (let i = 0; i < sealed.length * 8; i += 7) {
        const bad = sealed.slice()
        bad[i >> 3]! ^= 1 << (i & 7)
        expectAeadError(() => api.open(key, nonce, bad, aad))
      }
    })

    it('wrong key, nonce, AAD, missing AAD, truncation', () => {
      const k2 = key.slice()
      k2[31]! ^= 0x80
      expectAeadError(() => api.open(k2, nonce, sealed, aad))
      expectAeadError(() => api.open(key, api.counterNonce(43), sealed, aad))
      expectAeadError(() => api.open(key, nonce, sealed, new TextEncoder().encode('headeR')))
      expectAeadError(() => api.open(key, nonce, sealed))
      expectAeadError(() => api.aead(key).open(nonce, sealed.subarray(0, sealed.length - 1), aad))
      expectAeadError(() => api.open(key, nonce, sealed.subarray(0, 15), aad))
      expectAeadError(() => api.open(key, nonce, new Uint8Array(0), aad))
    })

    it('a tampered signature, message or key does not verify', () => {
      const sk = api.SigningKey.generate()
      const msg = new TextEncoder().encode('kp1-server-sig transcript')
      const sig = sk.sign(msg)
      expect(sk.publicKey.verify(sig, msg)).toBe(true)
      for (let i = 0; i < 512; i += 5) {
        const bad = sig.slice()
        bad[i >> 3]! ^= 1 << (i & 7)
        expect(sk.publicKey.verify(bad, msg)).toBe(false)
      }
      const m2 = msg.slice()
      m2[0]! ^= 1
      expect(sk.publicKey.verify(sig, m2)).toBe(false)
      expect(api.SigningKey.generate().publicKey.verify(sig, msg)).toBe(false)
      expect(sk.publicKey.verify(sig.subarray(0, 63), msg)).toBe(false)
      expect(sk.publicKey.verify(new Uint8Array(65), msg)).toBe(false)
    })
  })
}
