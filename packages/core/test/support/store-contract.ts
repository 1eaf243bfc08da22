import { describe, expect, it } from 'vitest'
import { HandshakeError, KiloError, KnownServerMismatchError, type KnownServers, SigningKey, trustOnFirstUse } from '../../src/index.js'

const a = SigningKey.generate().publicKey
const b = SigningKey.generate().publicKey

function mismatch(e: unknown): KnownServerMismatchError {
  expect(KnownServerMismatchError.isInstance(e)).toBe(true)
  return e as KnownServerMismatchError
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection')
    },
    (e) => e,
  )
}

/** The behaviour every store shares, through the one-call helper. */
export function storeContract(label: string, make: () => KnownServers) {
  describe(`${label}: trust on first use`, () => {
    it('records at first use, accepts the same id after, refuses a changed one with both ids', async () => {
      const store = make()
      expect(await store.get('example.com:4000')).toBeNull()
      expect(await trustOnFirstUse(store, 'example.com:4000', a)).toBe('recorded')
      expect((await store.get('example.com:4000'))?.equals(a)).toBe(true)
      expect(await trustOnFirstUse(store, 'example.com:4000', a.toString())).toBe('known')
      const e = mismatch(await rejection(trustOnFirstUse(store, 'example.com:4000', b)))
      expect(e.code).toBe('kp.KnownServerChanged')
      expect(HandshakeError.isInstance(e)).toBe(true)
      expect(KiloError.isInstance(e)).toBe(true)
      expect(e.check).toBe('pin-mismatch')
      expect(e.serverName).toBe('example.com:4000')
      expect(e.knownId.equals(a)).toBe(true)
      expect(e.seenId.equals(b)).toBe(true)
      expect(e.location).toBe(store.locate('example.com:4000'))
      expect(e.message).toContain(a.toString())
      expect(e.message).toContain(b.toString())
      expect(e.message).toContain(a.fingerprint())
      expect(e.message).toContain(store.locate('example.com:4000'))
      expect(e.message).toContain('knownServers.forget("example.com:4000")')
      expect(e.message).toMatch(/man in the middle/)
      // the record did not change
      expect((await store.get('example.com:4000'))?.equals(a)).toBe(true)
    })

    it('add never replaces a record; forget makes room for the next first use', async () => {
      const store = make()
      expect((await store.add('s1', a)).equals(a)).toBe(true)
      expect((await store.add('s1', b)).equals(a)).toBe(true)
      expect(await store.forget('s1')).toBe(true)
      expect(await store.forget('s1')).toBe(false)
      expect(await store.get('s1')).toBeNull()
      expect(await trustOnFirstUse(store, 's1', b)).toBe('recorded')
      expect(await trustOnFirstUse(store, 's2', a)).toBe('recorded')
      expect((await store.get('s1'))?.equals(b)).toBe(true)
      expect((await store.get('s2'))?.equals(a)).toBe(true)
    })

    it('names: whitespace, control characters, "#" first and empty names are refused', async () => {
      const store = make()
      for (const bad of ['', 'a b', 'a\tb', 'a\nb', '#x', 'x\u0000', 'x'.repeat(1025)]) {
        await expect((async () => store.get(bad))()).rejects.toThrow(RangeError)
        await expect(trustOnFirstUse(store, bad, a)).rejects.toThrow(/"name"/)
      }
      await expect(trustOnFirstUse(store, 42 as never, a)).rejects.toThrow(TypeError)
      for (const ok of ['[::1]:4000', 'wss://example.com/kp?x=1', 'пример.рф:4000', 'x'.repeat(1024)]) {
        expect(await trustOnFirstUse(store, ok, a)).toBe('recorded')
      }
    })
  })
}
