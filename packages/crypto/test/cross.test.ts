import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type Api, impls, nobleApi, nodeApi, sodiumApi, toHex } from './helpers.js'

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n })
const RUNS = { numRuns: 60 }

/** Every ordered pair of different engines. */
const pairs: [string, Api, string, Api][] = impls.flatMap((a) =>
  impls.filter((b) => b !== a).map((b) => [a.name, a.api, b.name, b.api] as [string, Api, string, Api]),
)

describe('every engine gives byte-equal results', () => {
  it('backend names', () => {
    expect(sodiumApi.backend).toBe('sodium')
    expect(nodeApi.backend).toBe('node')
    expect(nobleApi.backend).toBe('noble')
  })

  it('Ed25519: same public key and signature; each verifies the others', () => {
    fc.assert(
      fc.property(bytes(32), fc.uint8Array({ maxLength: 300 }), (seed, msg) => {
        const keys = impls.map(({ api }) => api.SigningKey.fromSeed(seed))
        const sigs = keys.map((k) => k.sign(msg))
        for (let i = 1; i < keys.length; i++) {
          expect(keys[i]!.publicKey.toHex()).toBe(keys[0]!.publicKey.toHex())
          expect(toHex(sigs[i]!)).toBe(toHex(sigs[0]!))
        }
        for (const { api } of impls) {
          for (let i = 0; i < keys.length; i++) expect(api.PublicKey.from(keys[i]!.publicKey).verify(sigs[i]!, msg)).toBe(true)
        }
      }),
      RUNS,
    )
  })

  it('X25519: same public keys and shared secret', () => {
    fc.assert(
      fc.property(bytes(32), bytes(32), (s1, s2) => {
        for (const [, a, , b] of pairs) {
          const pa = a.x25519KeyPairFromSecret(s1)
          const pb = b.x25519KeyPairFromSecret(s2)
          expect(toHex(pa.publicKey)).toBe(toHex(b.x25519KeyPairFromSecret(s1).publicKey))
          expect(toHex(a.x25519SharedSecret(pa.secretKey, pb.publicKey))).toBe(toHex(b.x25519SharedSecret(pb.secretKey, pa.publicKey)))
        }
      }),
      { numRuns: 10 },
    )
  })

  it('X25519: any 32 bytes as the peer key (u >= p, high bit set) give the same result or the same error', () => {
    fc.assert(
      fc.property(bytes(32), bytes(32), (secret, peer) => {
        const out = impls.map(({ api }) => {
          try {
            return toHex(api.x25519SharedSecret(secret, peer))
          } catch (e) {
            return (e as { code?: string }).code ?? String(e)
          }
        })
        expect(new Set(out).size).toBe(1)
      }),
      { numRuns: 20 },
    )
    const highU = new Uint8Array(32).fill(0xff) // u = 2^256 - 1: high bit masked, then reduced mod p
    const secret = new Uint8Array(32).fill(9)
    expect(new Set(impls.map(({ api }) => toHex(api.x25519SharedSecret(secret, highU)))).size).toBe(1)
  })

  it('X25519: generated pairs agree across engines', () => {
    for (const [, a, , b] of pairs) {
      const pa = a.x25519KeyPair()
      const pb = b.x25519KeyPair()
      expect(toHex(b.x25519KeyPairFromSecret(pa.secretKey).publicKey)).toBe(toHex(pa.publicKey))
      expect(toHex(a.x25519SharedSecret(pa.secretKey, pb.publicKey))).toBe(toHex(b.x25519SharedSecret(pb.secretKey, pa.publicKey)))
    }
  })

  it('node: a cached X25519 secret that the caller changed or wiped is not used stale', () => {
    const a = nodeApi.x25519KeyPair()
    const peer = nodeApi.x25519KeyPair()
    a.secretKey[0]! ^= 1
    expect(toHex(nodeApi.x25519SharedSecret(a.secretKey, peer.publicKey))).toBe(toHex(nobleApi.x25519SharedSecret(a.secretKey, peer.publicKey)))
    nodeApi.wipe(a.secretKey)
    expect(toHex(nodeApi.x25519SharedSecret(a.secretKey, peer.publicKey))).toBe(toHex(nobleApi.x25519SharedSecret(new Uint8Array(32), peer.publicKey)))
  })

  it('ChaCha20-Poly1305: same sealed bytes (seal, aead, sealInto); each opens the others', () => {
    fc.assert(
      fc.property(
        bytes(32),
        bytes(12),
        fc.uint8Array({ maxLength: 600 }),
        fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined }),
        fc.nat({ max: 9 }),
        (key, nonce, pt, aad, offset) => {
          const ref = toHex(nobleApi.seal(key, nonce, pt, aad))
          for (const { api } of impls) {
            expect(toHex(api.seal(key, nonce, pt, aad))).toBe(ref)
            expect(toHex(api.aead(key).seal(nonce, pt, aad))).toBe(ref)
            const frame = new Uint8Array(offset + pt.length + 16 + 3).fill(0xaa)
            expect(api.aead(key).sealInto(frame, offset, nonce, pt, aad)).toBe(pt.length + 16)
            expect(toHex(frame.subarray(offset, offset + pt.length + 16))).toBe(ref)
            expect(frame.subarray(0, offset).every((b) => b === 0xaa)).toBe(true)
            expect(frame.subarray(offset + pt.length + 16).every((b) => b === 0xaa)).toBe(true)
          }
          for (const [, a, , b] of pairs) {
            const sealed = a.aead(key).seal(nonce, pt, aad)
            expect(toHex(b.open(key, nonce, sealed, aad))).toBe(toHex(pt))
            const out = new Uint8Array(offset + pt.length)
            expect(b.aead(key).openInto(out, offset, nonce, sealed, aad)).toBe(pt.length)
            expect(toHex(out.subarray(offset))).toBe(toHex(pt))
          }
        },
      ),
      RUNS,
    )
  })

  it('empty AAD is the same as no AAD, empty plaintext works', () => {
    const key = new Uint8Array(32).fill(7)
    const nonce = nodeApi.counterNonce(3)
    const ref = toHex(nobleApi.seal(key, nonce, new Uint8Array(0)))
    for (const { api } of impls) {
      const s = api.seal(key, nonce, new Uint8Array(0))
      expect(s.length).toBe(16)
      expect(toHex(s)).toBe(ref)
      expect(toHex(api.seal(key, nonce, new Uint8Array(0), new Uint8Array(0)))).toBe(toHex(s))
      expect(api.open(key, nonce, s).length).toBe(0)
      expect(api.aead(key).openInto(new Uint8Array(0), 0, nonce, s)).toBe(0)
    }
  })

  it('large messages (1 MiB) agree', () => {
    const key = nodeApi.randomBytes(32)
    const nonce = nodeApi.counterNonce(2n ** 64n - 1n)
    const pt = nodeApi.randomBytes(1 << 20)
    const ref = nobleApi.seal(key, nonce, pt)
    for (const { api } of impls) {
      const s = api.seal(key, nonce, pt)
      expect(nodeApi.constantTimeEqual(s, ref)).toBe(true)
      expect(nodeApi.constantTimeEqual(api.open(key, nonce, ref), pt)).toBe(true)
    }
  })

  it('BLAKE2b-256: hash and kdf agree on random parts (bytes and strings)', () => {
    const part = fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 40 }))
    fc.assert(
      fc.property(bytes(32), fc.array(part, { maxLength: 5 }), (key, parts) => {
        const h = toHex(nobleApi.hash(...parts))
        const k = toHex(nobleApi.kdf(key, ...parts))
        for (const { api } of impls) {
          expect(toHex(api.hash(...parts))).toBe(h)
          expect(toHex(api.kdf(key, ...parts))).toBe(k)
        }
      }),
      RUNS,
    )
  })

  it('BLAKE2b-256: 0 to 6 parts with totals around every buffering threshold', () => {
    const key = new Uint8Array(32).fill(5)
    for (const total of [0, 1, 127, 128, 129, 511, 512, 513, 1000, 5000]) {
      for (let count = 0; count <= 6; count++) {
        if (count === 0 && total > 0) continue
        const data = new Uint8Array(total).map((_, i) => i * 31)
        const cuts = Array.from({ length: count - 1 }, (_, i) => Math.floor(((i + 1) * total) / count))
        const parts = [0, ...cuts].map((from, i) => data.subarray(from, i < cuts.length ? cuts[i] : total))
        const h = toHex(nobleApi.hash(data))
        const k = toHex(nobleApi.kdf(key, data))
        for (const { name, api } of impls) {
          expect(toHex(api.hash(...parts)), `${name} hash ${count} parts of ${total}`).toBe(h)
          expect(toHex(api.kdf(key, ...parts)), `${name} kdf ${count} parts of ${total}`).toBe(k)
        }
      }
    }
  })

  it("BLAKE2b-256: the caller's array of parts is not changed", () => {
    const parts: (Uint8Array | string)[] = ['kp1-th1', new Uint8Array([1, 2])]
    for (const { api } of impls) {
      api.hash(...parts)
      api.kdf(new Uint8Array(32), ...parts)
      expect(parts[0]).toBe('kp1-th1')
    }
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
