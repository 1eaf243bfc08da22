import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import * as root from '../src/index.js'
import { impls, nobleApi, nodeApi, sodiumApi, toHex } from './helpers.js'

describe('entry points', () => {
  it('node, noble and browser entries export the same names', () => {
    const names = (m: object) => Object.keys(m).sort()
    expect(names(sodiumApi)).toEqual(names(nobleApi))
    expect(names(nodeApi)).toEqual(names(nobleApi)) // the tests' node-engine API has the same shape
    expect(names(root)).toEqual(names(nobleApi))
    expect(root.backend).toBe('web')
  })

  it('keys move between backends', () => {
    const a = nodeApi.SigningKey.generate()
    const b = nobleApi.PublicKey.from(a.publicKey)
    expect(b).toBeInstanceOf(nobleApi.PublicKey)
    expect(b.equals(a.publicKey)).toBe(true)
    expect(a.publicKey.equals(b)).toBe(true)
    expect(nodeApi.PublicKey.from(a.publicKey)).toBe(a.publicKey) // same class: returned as is
    expect(nodeApi.isPublicKey(b)).toBe(true)
    expect(nodeApi.isPublicKey(b.bytes)).toBe(false)
  })
})

for (const { name, api } of impls) {
  describe(`${name}: PublicKey and SigningKey`, () => {
    const key = api.SigningKey.generate()
    const pub = key.publicKey

    it('text forms round-trip', () => {
      expect(pub.toHex()).toMatch(/^[0-9a-f]{64}$/)
      expect(pub.toBase64url()).toMatch(/^[A-Za-z0-9_-]{43}$/)
      for (const x of [pub.toHex(), pub.toHex().toUpperCase(), pub.toBase64url(), String(pub), pub.bytes, pub]) {
        expect(api.PublicKey.from(x).equals(pub)).toBe(true)
      }
      expect(api.PublicKey.fromHex(pub.toHex()).toBase64url()).toBe(pub.toBase64url())
      expect(api.PublicKey.fromBase64url(pub.toBase64url()).toHex()).toBe(pub.toHex())
      expect(JSON.parse(JSON.stringify({ pub }))).toEqual({ pub: pub.toBase64url() })
      expect(inspect(pub)).toContain(pub.fingerprint())
    })

    it('bytes is a fresh copy: the key cannot be changed through it', () => {
      const b = pub.bytes
      expect(b.length).toBe(32)
      expect(b.constructor).toBe(Uint8Array)
      b.fill(0)
      expect(toHex(pub.bytes)).toBe(pub.toHex())
      expect(pub.bytes).not.toBe(pub.bytes)
    })

    it('fingerprint: first 8 bytes of BLAKE2b-256(key) in 4 groups of 4 hex digits', () => {
      const fp = pub.fingerprint()
      expect(fp).toMatch(/^[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}$/)
      expect(fp.replaceAll('-', '')).toBe(toHex(api.hash(pub.bytes).subarray(0, 8)))
      const known = api.PublicKey.fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')
      expect(known.fingerprint()).toBe(nodeApi.PublicKey.from(known).fingerprint())
    })

    it('equals: constant-time comparison with keys and bytes', () => {
      expect(pub.equals(pub.bytes)).toBe(true)
      expect(pub.equals(api.SigningKey.generate().publicKey)).toBe(false)
      const other = pub.bytes
      other[31]! ^= 1
      expect(pub.equals(other)).toBe(false)
    })

    it('any 32 bytes make a PublicKey; unusable ones verify nothing', () => {
      const zero = api.PublicKey.fromBytes(new Uint8Array(32))
      expect(zero.verify(new Uint8Array(64), new Uint8Array(0))).toBe(false)
    })

    it('signatures are deterministic', () => {
      const m = new TextEncoder().encode('same')
      expect(toHex(key.sign(m))).toBe(toHex(key.sign(m)))
    })
  })

  describe(`${name}: small helpers`, () => {
    it('counterNonce: 4 zero bytes then u64 little-endian', () => {
      expect(toHex(api.counterNonce(0))).toBe('000000000000000000000000')
      expect(toHex(api.counterNonce(1))).toBe('000000000100000000000000')
      expect(toHex(api.counterNonce(0x0102030405))).toBe('000000000504030201000000')
      expect(toHex(api.counterNonce(2 ** 53 - 1))).toBe('00000000ffffffffffff1f00')
      expect(toHex(api.counterNonce(2n ** 64n - 1n))).toBe('00000000ffffffffffffffff')
      expect(toHex(api.counterNonce(0x1122334455667788n))).toBe('000000008877665544332211')
      const out = new Uint8Array(12).fill(0xee)
      expect(api.counterNonce(258, out)).toBe(out)
      expect(toHex(out)).toBe('000000000201000000000000')
    })

    it('randomBytes: lengths, including more than one getRandomValues call', () => {
      expect(api.randomBytes(0).length).toBe(0)
      const big = api.randomBytes(200_000)
      expect(big.length).toBe(200_000)
      expect(big.subarray(150_000).some((b) => b !== 0)).toBe(true)
      expect(toHex(api.randomBytes(32))).not.toBe(toHex(api.randomBytes(32)))
    })

    it('constantTimeEqual and wipe', () => {
      expect(api.constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true)
      expect(api.constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false)
      expect(api.constantTimeEqual(new Uint8Array([1]), new Uint8Array([1, 0]))).toBe(false)
      expect(api.constantTimeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true)
      const b = new Uint8Array([1, 2, 3])
      api.wipe(b)
      expect([...b]).toEqual([0, 0, 0])
    })

    it('hash: strings are UTF-8, parts concatenate', () => {
      expect(toHex(api.hash('kp1-th1'))).toBe(toHex(api.hash(new TextEncoder().encode('kp1-th1'))))
      expect(toHex(api.hash('é'))).toBe(toHex(api.hash(new Uint8Array([0xc3, 0xa9]))))
      expect(toHex(api.hash('ab', 'c'))).toBe(toHex(api.hash('abc')))
      expect(api.hash().length).toBe(32)
      const k = new Uint8Array(32).fill(1)
      expect(toHex(api.kdf(k, 'kp1-', 'c2s'))).toBe(toHex(api.kdf(k, 'kp1-c2s')))
      expect(toHex(api.kdf(k, 'kp1-c2s'))).not.toBe(toHex(api.kdf(k, 'kp1-s2c')))
    })
  })

  describe(`${name}: errors`, () => {
    it('CryptoError family: code, name, cause, brands, isInstance', () => {
      const cause = new Error('inner')
      const e = new api.AeadError(undefined, { cause })
      expect(e).toBeInstanceOf(Error)
      expect(e).toBeInstanceOf(api.CryptoError)
      expect(e.name).toBe('AeadError')
      expect(e.code).toBe('kp.Aead')
      expect(e.cause).toBe(cause)
      expect((e as any)[Symbol.for('kp.error')]).toBe(true)
      expect(api.AeadError.isInstance(e)).toBe(true)
      expect(api.CryptoError.isInstance(e)).toBe(true)
      expect(api.LowOrderKeyError.isInstance(e)).toBe(false)
      const base = new api.CryptoError('x')
      expect(base.code).toBe('kp.Crypto')
      expect(base.name).toBe('CryptoError')
      expect(api.AeadError.isInstance(base)).toBe(false)
      const low = new api.LowOrderKeyError()
      expect(low.code).toBe('kp.LowOrderKey')
      expect(api.CryptoError.isInstance(low)).toBe(true)
      // recognised by brand, not instanceof (another copy of the package)
      const foreign = Object.assign(new Error('x'), { [Symbol.for('kp.error.AeadError')]: true })
      expect(api.AeadError.isInstance(foreign)).toBe(true)
      for (const v of [null, undefined, 1, 'x', {}, new Error('x')]) expect(api.CryptoError.isInstance(v)).toBe(false)
    })

    // the web engine's compact ChaCha20-Poly1305 is its own backend: its AeadError is the original error
    it(name === 'web' ? 'a failed open throws AeadError with no cause' : 'a failed open keeps the backend error as cause', () => {
      let err: any
      try {
        api.open(new Uint8Array(32), new Uint8Array(12), new Uint8Array(20))
      } catch (e) {
        err = e
      }
      expect(api.AeadError.isInstance(err)).toBe(true)
      if (name === 'web') expect(err.cause).toBeUndefined()
      else expect(err.cause).toBeDefined()
    })
  })
}

describe('base classes', () => {
  it('cannot be used without a backend', () => {
    expect(() => nodeApi.BasePublicKey.fromBytes(new Uint8Array(32))).toThrow(TypeError)
    expect(() => (nodeApi.BaseSigningKey as any).generate()).toThrow(TypeError)
  })
})
