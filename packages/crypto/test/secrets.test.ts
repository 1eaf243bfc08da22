import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { impls, toHex } from './helpers.js'
import { bytesToBase64url } from '../src/encoding.js'

for (const { name, api } of impls) {
  describe(`${name}: secrets never leak by accident`, () => {
    const seed = new Uint8Array(32).map((_, i) => 0xa0 + i)
    const key = api.SigningKey.fromSeed(seed)
    const forms = [toHex(seed), toHex(seed).toUpperCase(), bytesToBase64url(seed), seed.join(','), seed.join(', ')]

    function assertClean(text: string) {
      for (const f of forms) expect(text).not.toContain(f)
      expect(text).not.toMatch(/"?0"?\s*:\s*160/) // byte-by-byte object dump of the seed
    }

    it('SigningKey: toString, template literal, JSON, inspect (all depths), console-style formatting', () => {
      const texts = [
        String(key),
        `${key}`,
        JSON.stringify(key),
        JSON.stringify({ nested: [key] }),
        inspect(key),
        inspect(key, { showHidden: true, depth: Number.POSITIVE_INFINITY, getters: true }),
        inspect({ key }, { depth: 10 }),
      ]
      for (const t of texts) assertClean(t)
      expect(JSON.parse(JSON.stringify(key))).toEqual({ publicKey: key.publicKey.toBase64url() })
      expect(String(key)).toContain(key.publicKey.toBase64url())
      expect(Object.keys(key)).toEqual(['publicKey'])
    })

    it('X25519 pair: toString, JSON and inspect show the public key only', () => {
      const pair = api.x25519KeyPairFromSecret(seed)
      for (const t of [String(pair), JSON.stringify(pair), inspect(pair), inspect(pair, { showHidden: true, depth: 9 })]) {
        assertClean(t)
        expect(t).toContain(toHex(pair.publicKey))
      }
      expect(toHex(pair.secretKey)).toBe(toHex(seed)) // still reachable on purpose
    })

    it('Aead object shows no key', () => {
      const box = api.aead(seed)
      for (const t of [String(box), JSON.stringify(box), inspect(box, { showHidden: true, depth: 9 })]) assertClean(t)
    })

    it('explicit exports do give the seed, as copies', () => {
      expect(toHex(key.exportSeed())).toBe(toHex(seed))
      expect(key.toHex()).toBe(toHex(seed))
      expect(key.toBase64url()).toBe(bytesToBase64url(seed))
      const copy = key.exportSeed()
      copy.fill(0)
      expect(toHex(key.exportSeed())).toBe(toHex(seed))
      expect(api.SigningKey.fromHex(key.toHex()).publicKey.equals(key.publicKey)).toBe(true)
      expect(api.SigningKey.fromBase64url(key.toBase64url()).publicKey.equals(key.publicKey)).toBe(true)
    })

    it('fromSeed copies: changing the caller array later does not change the key', () => {
      const s = seed.slice()
      const k = api.SigningKey.fromSeed(s)
      const before = k.publicKey.toHex()
      api.wipe(s)
      expect(s.every((b) => b === 0)).toBe(true)
      expect(toHex(k.exportSeed())).toBe(toHex(seed))
      expect(api.SigningKey.fromSeed(k.exportSeed()).publicKey.toHex()).toBe(before)
    })
  })
}
