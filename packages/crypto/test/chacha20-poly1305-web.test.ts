import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AeadError } from '../src/aead-error.js'
import { chacha20, chacha20Block, chachaAead, chachaOpen, chachaOpenInto, chachaSeal, chachaSealInto, poly1305 } from '../src/web/chacha20-poly1305.js'
import * as webApi from '../src/index.js'
import { hex, toHex, vectors } from './helpers.js'

// The browser engine's compact ChaCha20-Poly1305 against RFC 8439 (its vectors, copied from the
// RFC's text into vectors/chacha20poly1305-rfc8439.json) and against @noble/ciphers, which the
// web engine ran before. vectors.test.ts, cross.test.ts and record-path.test.ts run it too,
// through the web entry, next to the other engines.
const rfc = vectors('chacha20poly1305-rfc8439')

const noble = (key: Uint8Array, nonce: Uint8Array, pt: Uint8Array, aad?: Uint8Array) => toHex(chacha20poly1305(key, nonce, aad).encrypt(pt))

/** Deterministic bytes (a 32-bit LCG from `seed`), for the large inputs fast-check would be slow to make. */
function pseudo(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  let x = seed >>> 0
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0
    out[i] = x >>> 24
  }
  return out
}

/** Calls `fn`, expecting an AeadError. */
function expectAeadError(fn: () => unknown): void {
  let err: unknown
  try {
    fn()
  } catch (e) {
    err = e
  }
  expect(err).toBeInstanceOf(AeadError)
}

describe('compact ChaCha20-Poly1305 (web engine): RFC 8439 vectors', () => {
  it('2.3.2 block function', () => {
    const v = rfc.block_2_3_2
    expect(toHex(chacha20Block(hex(v.key), hex(v.nonce), v.counter))).toBe(v.block)
  })

  it('2.4.2 encryption (two blocks and a partial one), both ways', () => {
    const v = rfc.chacha20_2_4_2
    expect(toHex(chacha20(hex(v.key), hex(v.nonce), v.counter, hex(v.plaintext)))).toBe(v.ciphertext)
    expect(toHex(chacha20(hex(v.key), hex(v.nonce), v.counter, hex(v.ciphertext)))).toBe(v.plaintext)
  })

  it('2.5.2 Poly1305', () => {
    const v = rfc.poly1305_2_5_2
    expect(toHex(poly1305(hex(v.key), hex(v.message)))).toBe(v.tag)
  })

  it('A.3 Poly1305, #1-#11 (r = 0, s = 0, and the carry and reduction edge cases)', () => {
    expect(rfc.poly1305_A_3).toHaveLength(11)
    for (const v of rfc.poly1305_A_3) expect(toHex(poly1305(hex(v.key), hex(v.message))), v.name).toBe(v.tag)
  })

  it('A.4 Poly1305 key generation (block 0, first 32 bytes)', () => {
    for (const v of rfc.poly1305_keygen_A_4) expect(toHex(chacha20Block(hex(v.key), hex(v.nonce), 0).subarray(0, 32)), v.name).toBe(v.oneTimeKey)
  })

  it('2.8.2 AEAD: seal, open, sealInto, openInto', () => {
    const v = rfc.aead_2_8_2
    const [key, nonce, aad, pt] = [hex(v.key), hex(v.nonce), hex(v.aad), hex(v.plaintext)]
    expect(new TextDecoder().decode(pt)).toMatch(/^Ladies and Gentlemen .* sunscreen would be it\.$/)
    expect(toHex(chachaSeal(key, nonce, pt, aad))).toBe(v.ciphertext + v.tag)
    expect(toHex(chachaOpen(key, nonce, hex(v.ciphertext + v.tag), aad))).toBe(v.plaintext)
    const out = new Uint8Array(pt.length + 20)
    expect(chachaSealInto(key, out, 3, nonce, pt, aad)).toBe(pt.length + 16)
    expect(toHex(out.subarray(3, 3 + pt.length + 16))).toBe(v.ciphertext + v.tag)
    expect(toHex(out.subarray(0, 3)) + toHex(out.subarray(3 + pt.length + 16))).toBe('00'.repeat(4))
    const back = new Uint8Array(pt.length)
    expect(chachaOpenInto(key, back, 0, nonce, hex(v.ciphertext + v.tag), aad)).toBe(pt.length)
    expect(toHex(back)).toBe(v.plaintext)
  })

  it('A.5 AEAD decryption', () => {
    const v = rfc.aead_decrypt_A_5
    const pt = chachaOpen(hex(v.key), hex(v.nonce), hex(v.ciphertext + v.tag), hex(v.aad))
    expect(toHex(pt)).toBe(v.plaintext)
    expect(new TextDecoder().decode(pt)).toMatch(/^Internet-Drafts are draft documents/)
    expect(toHex(chachaSeal(hex(v.key), hex(v.nonce), pt, hex(v.aad)))).toBe(v.ciphertext + v.tag)
  })

  it('the web entry point runs it', () => {
    expect(webApi.backendInfo.operations.aead).toBe('@kp/crypto (compact)')
    const v = rfc.aead_decrypt_A_5
    expect(toHex(webApi.open(hex(v.key), hex(v.nonce), hex(v.ciphertext + v.tag), hex(v.aad)))).toBe(v.plaintext)
  })
})

describe('compact ChaCha20-Poly1305 (web engine): byte-equal to @noble/ciphers', () => {
  const LENGTHS = [0, 1, 15, 16, 17, 63, 64, 65, 127, 128, 129, 255, 256, 1023, 1024, 1100]

  it('the lengths around every block boundary, with and without AAD of 0-33 bytes', () => {
    for (const n of LENGTHS) {
      for (const a of [undefined, 0, 1, 12, 16, 17, 33]) {
        const key = pseudo(32, n * 7 + (a ?? 99))
        const nonce = pseudo(12, n + 1)
        const pt = pseudo(n, n + 2)
        const aad = a === undefined ? undefined : pseudo(a, a + 3)
        const sealed = chachaSeal(key, nonce, pt, aad)
        expect(toHex(sealed), `n=${n} aad=${a}`).toBe(noble(key, nonce, pt, aad))
        expect(toHex(chachaOpen(key, nonce, sealed, aad))).toBe(toHex(pt))
      }
    }
  })

  it('random key, nonce, AAD and plaintext of 0-1100 bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 1100 }),
        fc.option(fc.uint8Array({ maxLength: 100 }), { nil: undefined }),
        (key, nonce, pt, aad) => {
          const sealed = chachaSeal(key, nonce, pt, aad)
          expect(toHex(sealed)).toBe(noble(key, nonce, pt, aad))
          expect(toHex(chachaOpen(key, nonce, sealed, aad))).toBe(toHex(pt))
        },
      ),
      { numRuns: 300 },
    )
  })

  it('all-0xff key, nonce, AAD and plaintext (the largest limbs, every carry)', () => {
    for (const n of [16, 64, 1000]) {
      const ff = (k: number) => new Uint8Array(k).fill(0xff)
      expect(toHex(chachaSeal(ff(32), ff(12), ff(n), ff(n)))).toBe(noble(ff(32), ff(12), ff(n), ff(n)))
    }
  })

  it('inputs that are views at odd offsets of larger buffers', () => {
    const buf = pseudo(400, 5)
    const [key, nonce, aad, pt] = [buf.subarray(1, 33), buf.subarray(35, 47), buf.subarray(49, 62), buf.subarray(63, 363)]
    expect(toHex(chachaSeal(key, nonce, pt, aad))).toBe(noble(key.slice(), nonce.slice(), pt.slice(), aad.slice()))
  })

  it('64 KiB and 1 MiB records', () => {
    for (const [n, seed] of [
      [64 * 1024, 1],
      [64 * 1024 + 1, 2],
      [1024 * 1024, 3],
    ] as const) {
      const key = pseudo(32, seed)
      const nonce = pseudo(12, seed + 10)
      const pt = pseudo(n, seed + 20)
      const aad = pseudo(13, seed + 30)
      const sealed = chachaSeal(key, nonce, pt, aad)
      expect(toHex(sealed) === noble(key, nonce, pt, aad), `n=${n}`).toBe(true)
      expect(toHex(chachaOpen(key, nonce, sealed, aad)) === toHex(pt)).toBe(true)
    }
  })
})

describe('compact ChaCha20-Poly1305 (web engine): the Aead contract', () => {
  const key = pseudo(32, 42)
  const nonce = pseudo(12, 43)
  const aad = pseudo(9, 44)
  const pt = pseudo(40, 45)
  const box = chachaAead(key)

  it('seal returns a fresh Uint8Array of ciphertext ‖ tag; open a fresh plaintext', () => {
    const a = box.seal(nonce, pt, aad)
    const b = box.seal(nonce, pt, aad)
    expect(a.constructor).toBe(Uint8Array)
    expect(a.length).toBe(pt.length + 16)
    expect(a).not.toBe(b)
    expect(toHex(a)).toBe(noble(key, nonce, pt, aad))
    const o = box.open(nonce, a, aad)
    expect(o.constructor).toBe(Uint8Array)
    expect(o.buffer).not.toBe(a.buffer)
    expect(toHex(o)).toBe(toHex(pt))
    expect(box.open(nonce, box.seal(nonce, new Uint8Array(0))).length).toBe(0)
  })

  it('sealInto and openInto in place, at every offset 0-20 and lengths 0-130', () => {
    for (let n = 0; n <= 130; n += 13) {
      for (let off = 0; off <= 20; off += 5) {
        const msg = pseudo(n, n + off)
        const frame = pseudo(off + n + 16 + 3, 99) // bytes around the record must stay as they are
        const before = frame.slice()
        frame.set(msg, off)
        expect(box.sealInto(frame, off, nonce, frame.subarray(off, off + n), aad)).toBe(n + 16)
        expect(toHex(frame.subarray(off, off + n + 16))).toBe(noble(key, nonce, msg, aad))
        expect(toHex(frame.subarray(0, off))).toBe(toHex(before.subarray(0, off)))
        expect(toHex(frame.subarray(off + n + 16))).toBe(toHex(before.subarray(off + n + 16)))
        expect(box.openInto(frame, off, nonce, frame.subarray(off, off + n + 16), aad)).toBe(n)
        expect(toHex(frame.subarray(off, off + n))).toBe(toHex(msg))
        expect(toHex(frame.subarray(off + n + 16))).toBe(toHex(before.subarray(off + n + 16)))
      }
    }
  })

  it('sealInto and openInto to memory apart from the input', () => {
    const out = new Uint8Array(100)
    expect(box.sealInto(out, 7, nonce, pt, aad)).toBe(56)
    expect(toHex(out.subarray(7, 63))).toBe(noble(key, nonce, pt, aad))
    const back = new Uint8Array(50).fill(0xee)
    expect(box.openInto(back, 5, nonce, out.subarray(7, 63), aad)).toBe(40)
    expect(toHex(back.subarray(5, 45))).toBe(toHex(pt))
    expect(toHex(back.subarray(0, 5)) + toHex(back.subarray(45))).toBe('ee'.repeat(10))
  })

  it('every single-bit flip in tag, ciphertext or AAD fails with AeadError and writes nothing', () => {
    const msg = pseudo(23, 7)
    const ad = pseudo(11, 8)
    const sealed = box.seal(nonce, msg, ad)
    const out = new Uint8Array(30).fill(0xa5)
    const check = (s: Uint8Array, a: Uint8Array) => {
      expectAeadError(() => box.openInto(out, 2, nonce, s, a))
      expectAeadError(() => box.open(nonce, s, a))
      expect(toHex(out)).toBe('a5'.repeat(30))
    }
    for (let bit = 0; bit < sealed.length * 8; bit++) {
      const s = sealed.slice()
      s[bit >> 3]! ^= 1 << (bit & 7)
      check(s, ad)
    }
    for (let bit = 0; bit < ad.length * 8; bit++) {
      const a = ad.slice()
      a[bit >> 3]! ^= 1 << (bit & 7)
      check(sealed, a)
    }
    // in place: the sealed record stays as it was
    const frame = new Uint8Array(sealed.length + 4)
    frame.set(sealed, 4)
    frame[4 + 3]! ^= 0x10
    const copy = frame.slice()
    expectAeadError(() => box.openInto(frame, 4, nonce, frame.subarray(4), ad))
    expect(toHex(frame)).toBe(toHex(copy))
    expect(toHex(box.open(nonce, sealed, ad))).toBe(toHex(msg)) // the original still opens
  })

  it('AAD missing, added, or empty vs absent', () => {
    const withAad = box.seal(nonce, pt, aad)
    expectAeadError(() => box.open(nonce, withAad))
    expectAeadError(() => box.open(nonce, box.seal(nonce, pt), aad))
    // an empty AAD is no AAD (RFC 8439: aad of length 0), as in noble
    expect(toHex(box.seal(nonce, pt, new Uint8Array(0)))).toBe(toHex(box.seal(nonce, pt)))
  })

  it('wrong key or nonce fails', () => {
    const sealed = box.seal(nonce, pt, aad)
    for (let i = 0; i < 32; i += 7) {
      const k = key.slice()
      k[i]! ^= 1
      expectAeadError(() => chachaAead(k).open(nonce, sealed, aad))
    }
    for (let i = 0; i < 12; i += 5) {
      const n = nonce.slice()
      n[i]! ^= 0x80
      expectAeadError(() => box.open(n, sealed, aad))
    }
    expectAeadError(() => chachaOpen(pseudo(32, 1), nonce, sealed, aad))
  })

  it('a tag alone (empty plaintext) is checked too', () => {
    const sealed = box.seal(nonce, new Uint8Array(0), aad)
    expect(sealed.length).toBe(16)
    expect(toHex(sealed)).toBe(noble(key, nonce, new Uint8Array(0), aad))
    sealed[15]! ^= 0x80
    expectAeadError(() => box.open(nonce, sealed, aad))
  })

  it('through the web entry: argument checks first, and the destination zero-filled on failure', () => {
    const a = webApi.aead(key)
    const sealed = a.seal(nonce, pt, aad)
    expect(toHex(sealed)).toBe(noble(key, nonce, pt, aad))
    expect(() => a.seal(new Uint8Array(11), pt)).toThrow(RangeError)
    expectAeadError(() => a.open(nonce, new Uint8Array(15)))
    const out = new Uint8Array(60).fill(1)
    sealed[0]! ^= 1
    expectAeadError(() => a.openInto(out, 10, nonce, sealed, aad))
    expect(toHex(out.subarray(10, 50))).toBe('00'.repeat(40))
    expect(toHex(out.subarray(0, 10)) + toHex(out.subarray(50))).toBe('01'.repeat(20))
  })
})
