import { blake2b } from '@noble/hashes/blake2.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { blake2b256 } from '../src/web/blake2b.js'
import { toHex } from './helpers.js'

// The browser engine's compact BLAKE2b against @noble/hashes (itself checked against RFC 7693
// and python's hashlib in vectors.test.ts, where the web engine runs those vectors too).
describe('compact BLAKE2b-256 (web engine)', () => {
  const noble = (parts: Uint8Array[], key?: Uint8Array) => {
    const h = blake2b.create(key ? { dkLen: 32, key } : { dkLen: 32 })
    for (const p of parts) h.update(p)
    return toHex(h.digest())
  }

  it('every length from 0 to 520 bytes, keyed and unkeyed, around every block boundary', () => {
    for (let n = 0; n <= 520; n++) {
      const msg = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n) & 0xff)
      const key = Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + n) & 0xff)
      expect(toHex(blake2b256([msg])), `n=${n}`).toBe(noble([msg]))
      expect(toHex(blake2b256([msg], key)), `n=${n} keyed`).toBe(noble([msg], key))
    }
  })

  it('random inputs split into random parts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }),
        fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }), { nil: undefined }),
        (parts, key) => {
          expect(toHex(blake2b256(parts, key))).toBe(noble(parts, key))
        },
      ),
      { numRuns: 300 },
    )
  })

  it('all-0xff blocks (carries through every 32-bit half)', () => {
    const msg = new Uint8Array(1000).fill(0xff)
    expect(toHex(blake2b256([msg], new Uint8Array(32).fill(0xff)))).toBe(noble([msg], new Uint8Array(32).fill(0xff)))
  })
})
