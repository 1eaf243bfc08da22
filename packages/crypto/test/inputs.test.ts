import { describe, expect, it } from 'vitest'
import { impls } from './helpers.js'

/** Values of the wrong type for a bytes argument. */
const NOT_BYTES: unknown[] = [
  null,
  undefined,
  'abcd',
  '',
  123,
  Number.NaN,
  10n,
  true,
  {},
  { length: 32 },
  [1, 2, 3],
  new Array(32).fill(0),
  new Uint16Array(32),
  new Int8Array(32),
  new Uint8ClampedArray(32),
  new ArrayBuffer(32),
  new DataView(new ArrayBuffer(32)),
  () => new Uint8Array(32),
  Symbol('x'),
]

function expectArgError(f: () => unknown, kind: typeof TypeError | typeof RangeError, arg: string) {
  let err: unknown
  try {
    f()
  } catch (e) {
    err = e
  }
  expect(err, `expected ${kind.name} naming "${arg}"`).toBeInstanceOf(kind)
  expect((err as Error).message).toContain(`"${arg}"`)
}

for (const { name, api } of impls) {
  describe(`${name}: wrong inputs at every public function`, () => {
    const k32 = new Uint8Array(32)
    const n12 = new Uint8Array(12)
    const sk = api.SigningKey.fromSeed(new Uint8Array(32).fill(1))
    const pair = api.x25519KeyPair()
    const box = api.aead(k32)
    const sealed = box.seal(n12, new Uint8Array(4))

    /** [label, call with a bad value at one argument, argument name, required length or undefined] */
    const table: [string, (bad: any) => unknown, string, number | undefined][] = [
      ['SigningKey.fromSeed', (b) => api.SigningKey.fromSeed(b), 'seed', 32],
      ['SigningKey#sign', (b) => sk.sign(b), 'message', undefined],
      ['PublicKey.fromBytes', (b) => api.PublicKey.fromBytes(b), 'publicKey', 32],
      ['PublicKey#verify signature', (b) => sk.publicKey.verify(b, new Uint8Array(1)), 'signature', undefined],
      ['PublicKey#verify message', (b) => sk.publicKey.verify(new Uint8Array(64), b), 'message', undefined],
      ['x25519KeyPairFromSecret', (b) => api.x25519KeyPairFromSecret(b), 'secretKey', 32],
      ['x25519SharedSecret secret', (b) => api.x25519SharedSecret(b, pair.publicKey), 'secretKey', 32],
      ['x25519SharedSecret peer', (b) => api.x25519SharedSecret(pair.secretKey, b), 'peerPublicKey', 32],
      ['seal key', (b) => api.seal(b, n12, new Uint8Array(1)), 'key', 32],
      ['seal nonce', (b) => api.seal(k32, b, new Uint8Array(1)), 'nonce', 12],
      ['seal plaintext', (b) => api.seal(k32, n12, b), 'plaintext', undefined],
      ['open key', (b) => api.open(b, n12, sealed), 'key', 32],
      ['open nonce', (b) => api.open(k32, b, sealed), 'nonce', 12],
      ['open sealed', (b) => api.open(k32, n12, b), 'sealed', undefined],
      ['aead key', (b) => api.aead(b), 'key', 32],
      ['aead#seal nonce', (b) => box.seal(b, new Uint8Array(1)), 'nonce', 12],
      ['aead#seal plaintext', (b) => box.seal(n12, b), 'plaintext', undefined],
      ['aead#open nonce', (b) => box.open(b, sealed), 'nonce', 12],
      ['aead#open sealed', (b) => box.open(n12, b), 'sealed', undefined],
      ['aead#sealInto out', (b) => box.sealInto(b, 0, n12, new Uint8Array(1)), 'out', undefined],
      ['aead#sealInto nonce', (b) => box.sealInto(new Uint8Array(32), 0, b, new Uint8Array(1)), 'nonce', 12],
      ['aead#sealInto plaintext', (b) => box.sealInto(new Uint8Array(99), 0, n12, b), 'plaintext', undefined],
      ['aead#openInto out', (b) => box.openInto(b, 0, n12, sealed), 'out', undefined],
      ['aead#openInto nonce', (b) => box.openInto(new Uint8Array(32), 0, b, sealed), 'nonce', 12],
      ['aead#openInto sealed', (b) => box.openInto(new Uint8Array(99), 0, n12, b), 'sealed', undefined],
      ['kdf key', (b) => api.kdf(b, 'label'), 'key', 32],
      ['counterNonce out', (b) => api.counterNonce(1, b ?? 0), 'out', 12],
      ['constantTimeEqual a', (b) => api.constantTimeEqual(b, k32), 'a', undefined],
      ['constantTimeEqual b', (b) => api.constantTimeEqual(k32, b), 'b', undefined],
      ['wipe', (b) => api.wipe(b), 'b', undefined],
    ]

    for (const [label, call, arg, length] of table) {
      it(`${label}: TypeError for non-bytes${length === undefined ? '' : ', RangeError for wrong length'}`, () => {
        for (const bad of NOT_BYTES) {
          if (arg === 'out' && bad === undefined) continue // out is optional
          expectArgError(() => call(bad), TypeError, arg)
        }
        if (length !== undefined) {
          for (const n of [0, length - 1, length + 1, 64 + length]) {
            expectArgError(() => call(new Uint8Array(n)), RangeError, arg)
          }
        }
      })
    }

    it('optional aad: undefined is fine, anything else not bytes is a TypeError', () => {
      expect(api.seal(k32, n12, new Uint8Array(1), undefined).length).toBe(17)
      for (const bad of NOT_BYTES.filter((v) => v !== undefined)) {
        expectArgError(() => api.seal(k32, n12, new Uint8Array(1), bad as any), TypeError, 'aad')
        expectArgError(() => api.open(k32, n12, sealed, bad as any), TypeError, 'aad')
        expectArgError(() => box.seal(n12, new Uint8Array(1), bad as any), TypeError, 'aad')
        expectArgError(() => box.open(n12, sealed, bad as any), TypeError, 'aad')
        expectArgError(() => box.sealInto(new Uint8Array(32), 0, n12, new Uint8Array(1), bad as any), TypeError, 'aad')
        expectArgError(() => box.openInto(new Uint8Array(32), 0, n12, sealed, bad as any), TypeError, 'aad')
      }
    })

    it('hash / kdf parts: bytes or strings only', () => {
      for (const bad of [null, undefined, 1, [1], {}, new Uint16Array(2), new ArrayBuffer(2)]) {
        expectArgError(() => api.hash('a', bad as any), TypeError, 'parts[1]')
        expectArgError(() => api.kdf(k32, bad as any), TypeError, 'parts[0]')
      }
    })

    it('strings: hex and base64url keys', () => {
      for (const bad of [null, undefined, 1, new Uint8Array(32), {}]) {
        expectArgError(() => api.PublicKey.fromHex(bad as any), TypeError, 'publicKey')
        expectArgError(() => api.PublicKey.fromBase64url(bad as any), TypeError, 'publicKey')
        expectArgError(() => api.SigningKey.fromHex(bad as any), TypeError, 'seed')
        expectArgError(() => api.SigningKey.fromBase64url(bad as any), TypeError, 'seed')
      }
      for (const bad of ['', 'ab', 'x'.repeat(64), `${'0'.repeat(63)}g`, '0'.repeat(66)]) {
        expectArgError(() => api.PublicKey.fromHex(bad), RangeError, 'publicKey')
        expectArgError(() => api.SigningKey.fromHex(bad), RangeError, 'seed')
      }
      const b64 = sk.publicKey.toBase64url()
      for (const bad of ['', b64.slice(1), `${b64}A`, `${b64.slice(0, 42)}=`, `${b64.slice(0, 42)}+`, `${b64.slice(0, 42)}/`]) {
        expectArgError(() => api.PublicKey.fromBase64url(bad), RangeError, 'publicKey')
      }
      // last character with non-zero unused bits: not the canonical encoding
      const last = b64[42]!
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
      const other = alphabet[(alphabet.indexOf(last) & ~3) | ((alphabet.indexOf(last) + 1) & 3)]!
      expectArgError(() => api.PublicKey.fromBase64url(b64.slice(0, 42) + other), RangeError, 'publicKey')
    })

    it('PublicKey.from and equals', () => {
      for (const bad of [null, undefined, 1, {}, [1, 2], new Uint16Array(32)]) {
        expectArgError(() => api.PublicKey.from(bad as any), TypeError, 'publicKey')
        expectArgError(() => sk.publicKey.equals(bad as any), TypeError, 'other')
      }
      expectArgError(() => api.PublicKey.from('abc'), RangeError, 'publicKey')
      expectArgError(() => api.PublicKey.from(new Uint8Array(31)), RangeError, 'publicKey')
      expect(sk.publicKey.equals(new Uint8Array(31))).toBe(false)
    })

    it('counterNonce and randomBytes numbers', () => {
      for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, -1n, 2n ** 64n]) {
        expectArgError(() => api.counterNonce(bad as any), RangeError, 'counter')
      }
      for (const bad of [null, undefined, '1', {}, [1]]) {
        expectArgError(() => api.counterNonce(bad as any), TypeError, 'counter')
        expectArgError(() => api.randomBytes(bad as any), TypeError, 'n')
      }
      for (const bad of [-1, 1.5, Number.NaN, 2 ** 31]) expectArgError(() => api.randomBytes(bad), RangeError, 'n')
    })

    it('the constructors are not public', () => {
      expect(() => new (api.PublicKey as any)(undefined, new Uint8Array(32))).toThrow(TypeError)
      expect(() => new (api.SigningKey as any)(undefined, new Uint8Array(32))).toThrow(TypeError)
    })

    it('Buffer (a Uint8Array subclass) is accepted everywhere', () => {
      const buf = Buffer.alloc(32, 3)
      const key = api.SigningKey.fromSeed(buf)
      expect(key.publicKey.verify(Buffer.from(key.sign(buf)), buf)).toBe(true)
      expect(api.open(buf, Buffer.alloc(12), Buffer.from(api.seal(buf, Buffer.alloc(12), buf)))).toEqual(new Uint8Array(buf))
    })
  })
}
