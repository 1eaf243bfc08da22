import { describe, expect, it } from 'vitest'
import { impls, nobleApi, toHex } from './helpers.js'

const enc = new TextEncoder()

for (const { name, api } of impls) {
  describe(`${name}: sealInto / openInto (the record path)`, () => {
    const key = new Uint8Array(32).map((_, i) => i * 7)
    const box = api.aead(key)
    const pt = enc.encode('a 40-byte record: header, then sealed....')
    const aad = enc.encode('aad')

    it('sealInto writes exactly ciphertext ‖ tag at the offset and returns its length', () => {
      const nonce = api.counterNonce(5)
      const frame = new Uint8Array(3 + pt.length + 16 + 5).fill(0xee)
      expect(box.sealInto(frame, 3, nonce, pt, aad)).toBe(pt.length + 16)
      expect(toHex(frame.subarray(3, 3 + pt.length + 16))).toBe(toHex(box.seal(nonce, pt, aad)))
      expect([...frame.subarray(0, 3), ...frame.subarray(3 + pt.length + 16)].every((b) => b === 0xee)).toBe(true)
    })

    it('one nonce buffer per direction, rewritten by counterNonce: same records as fresh nonces', () => {
      const nonce = new Uint8Array(12)
      const frame = new Uint8Array(2 + pt.length + 16)
      for (let c = 0; c < 50; c++) {
        box.sealInto(frame, 2, api.counterNonce(c, nonce), pt)
        expect(toHex(frame.subarray(2))).toBe(toHex(api.seal(key, api.counterNonce(c), pt)))
      }
    })

    it('seals in place: the plaintext already sits where the ciphertext goes', () => {
      const nonce = api.counterNonce(6)
      const frame = new Uint8Array(4 + pt.length + 16)
      frame.set(pt, 4)
      expect(box.sealInto(frame, 4, nonce, frame.subarray(4, 4 + pt.length), aad)).toBe(pt.length + 16)
      expect(toHex(frame.subarray(4))).toBe(toHex(box.seal(nonce, pt, aad)))
    })

    it('opens in place: the plaintext is a view of the frame the record arrived in', () => {
      const nonce = api.counterNonce(7)
      const sealed = box.seal(nonce, pt, aad)
      const frame = new Uint8Array(4 + sealed.length)
      frame.set(sealed, 4)
      const n = box.openInto(frame, 4, nonce, frame.subarray(4), aad)
      expect(n).toBe(pt.length)
      expect(toHex(frame.subarray(4, 4 + n))).toBe(toHex(pt))
    })

    it('opens into another buffer; the rest of it is untouched', () => {
      const nonce = api.counterNonce(8)
      const sealed = box.seal(nonce, pt)
      const out = new Uint8Array(pt.length + 10).fill(0xee)
      expect(box.openInto(out, 6, nonce, sealed)).toBe(pt.length)
      expect(toHex(out.subarray(6, 6 + pt.length))).toBe(toHex(pt))
      expect([...out.subarray(0, 6), ...out.subarray(6 + pt.length)].every((b) => b === 0xee)).toBe(true)
    })

    it('separate regions of one buffer are fine, either order', () => {
      const nonce = api.counterNonce(9)
      const buf = new Uint8Array(200)
      buf.set(pt, 0)
      expect(box.sealInto(buf, pt.length, nonce, buf.subarray(0, pt.length))).toBe(pt.length + 16) // right after
      expect(toHex(buf.subarray(pt.length, 2 * pt.length + 16))).toBe(toHex(box.seal(nonce, pt)))
      buf.set(pt, 150)
      expect(box.sealInto(buf, 0, nonce, buf.subarray(150, 150 + pt.length))).toBe(pt.length + 16) // before
      expect(toHex(buf.subarray(0, pt.length + 16))).toBe(toHex(box.seal(nonce, pt)))
    })

    it('partial overlap of input and destination is a RangeError, before anything is written', () => {
      const nonce = api.counterNonce(10)
      for (const shift of [-17, -1, 1, 16, pt.length - 1]) {
        const buf = new Uint8Array(200)
        const at = 60
        buf.set(pt, at + shift)
        const before = toHex(buf)
        expect(() => box.sealInto(buf, at, nonce, buf.subarray(at + shift, at + shift + pt.length)), `shift ${shift}`).toThrow(
          /"plaintext" overlaps the destination in "out"/,
        )
        expect(toHex(buf)).toBe(before)
      }
      const sealed = box.seal(nonce, pt)
      for (const shift of [-1, 1, 5]) {
        const buf = new Uint8Array(200)
        buf.set(sealed, 60 + shift)
        expect(() => box.openInto(buf, 60, nonce, buf.subarray(60 + shift, 60 + shift + sealed.length))).toThrow(RangeError)
        expect(() => box.openInto(buf, 60, nonce, buf.subarray(60 + shift, 60 + shift + sealed.length))).toThrow(/"sealed" overlaps the destination in "out"/)
      }
      // touching but not overlapping: the tag of the destination ends where the input starts
      const buf = new Uint8Array(200)
      buf.set(pt, 100)
      expect(box.sealInto(buf, 100 - pt.length - 16, nonce, buf.subarray(100, 100 + pt.length))).toBe(pt.length + 16)
    })

    it('a failed openInto throws AeadError and zero-fills the destination only', () => {
      const nonce = api.counterNonce(11)
      const sealed = box.seal(nonce, pt)
      const bad = sealed.slice()
      bad[bad.length - 1]! ^= 1
      const out = new Uint8Array(pt.length + 4).fill(0xee)
      let err: unknown
      try {
        box.openInto(out, 2, nonce, bad)
      } catch (e) {
        err = e
      }
      expect(api.AeadError.isInstance(err)).toBe(true)
      expect(out.subarray(2, 2 + pt.length).every((b) => b === 0)).toBe(true)
      expect([...out.subarray(0, 2), ...out.subarray(2 + pt.length)]).toEqual([0xee, 0xee, 0xee, 0xee])
      // in place: the ciphertext bytes are zeroed, the tag bytes are left
      const frame = new Uint8Array(bad.length)
      frame.set(bad)
      expect(() => box.openInto(frame, 0, nonce, frame)).toThrow(api.AeadError)
      expect(frame.subarray(0, pt.length).every((b) => b === 0)).toBe(true)
      expect(toHex(frame.subarray(pt.length))).toBe(toHex(bad.subarray(pt.length)))
      // wrong AAD, and input shorter than the tag
      expect(() => box.openInto(new Uint8Array(64), 0, nonce, sealed, aad)).toThrow(api.AeadError)
      expect(() => box.openInto(new Uint8Array(64), 0, nonce, sealed.subarray(0, 15))).toThrow(api.AeadError)
    })

    it('lengths and offsets: RangeError / TypeError naming the argument', () => {
      const nonce = api.counterNonce(12)
      const need = pt.length + 16
      expect(() => box.sealInto(new Uint8Array(need - 1), 0, nonce, pt)).toThrow(`"out" needs ${need} bytes from outOffset 0, has ${need - 1}`)
      expect(() => box.sealInto(new Uint8Array(need), 1, nonce, pt)).toThrow(`"out" needs ${need} bytes from outOffset 1, has ${need - 1}`)
      expect(box.sealInto(new Uint8Array(need + 1), 1, nonce, pt)).toBe(need)
      for (const bad of [-1, 1.5, need + 2, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(() => box.sealInto(new Uint8Array(need + 1), bad, nonce, pt)).toThrow(RangeError)
        expect(() => box.sealInto(new Uint8Array(need + 1), bad, nonce, pt)).toThrow('"outOffset"')
        expect(() => box.openInto(new Uint8Array(need + 1), bad, nonce, box.seal(nonce, pt))).toThrow('"outOffset"')
      }
      for (const bad of ['0', null, undefined, 0n, {}]) {
        expect(() => box.sealInto(new Uint8Array(need), bad as any, nonce, pt)).toThrow(TypeError)
        expect(() => box.openInto(new Uint8Array(need), bad as any, nonce, box.seal(nonce, pt))).toThrow('"outOffset"')
      }
      const sealed = box.seal(nonce, pt)
      expect(() => box.openInto(new Uint8Array(pt.length - 1), 0, nonce, sealed)).toThrow(
        `"out" needs ${pt.length} bytes from outOffset 0, has ${pt.length - 1}`,
      )
    })

    it('seal / open results are plain Uint8Arrays that own their memory (no shared pool), small and large', () => {
      const nonce = api.counterNonce(14)
      for (const n of [0, 40, 4079, 4080, 5000, 70_000]) {
        const m = api.randomBytes(n)
        const sealed = box.seal(nonce, m)
        const opened = box.open(nonce, sealed)
        for (const r of [sealed, opened, api.seal(key, nonce, m), api.open(key, nonce, sealed)]) {
          expect(r.constructor).toBe(Uint8Array)
          expect(r.byteOffset).toBe(0)
          expect(r.buffer.byteLength).toBe(r.length)
        }
        expect(toHex(opened)).toBe(toHex(m))
      }
    })

    it('large messages, around the size where the sodium engine hands AEAD to node:crypto: in place and not', () => {
      for (const n of [65_535, 65_536, 65_537, 200_000]) {
        const nonce = api.counterNonce(n)
        const m = api.randomBytes(n)
        const ref = toHex(nobleApi.seal(key, nonce, m, aad))
        expect(toHex(box.seal(nonce, m, aad)), `seal ${n}`).toBe(ref)
        expect(toHex(api.seal(key, nonce, m, aad)), `one-shot seal ${n}`).toBe(ref)
        const frame = new Uint8Array(5 + n + 16)
        frame.set(m, 5)
        expect(box.sealInto(frame, 5, nonce, frame.subarray(5, 5 + n), aad)).toBe(n + 16)
        expect(toHex(frame.subarray(5)), `sealInto in place ${n}`).toBe(ref)
        expect(box.openInto(frame, 5, nonce, frame.subarray(5), aad)).toBe(n)
        expect(api.constantTimeEqual(frame.subarray(5, 5 + n), m)).toBe(true)
        const sealed = box.seal(nonce, m, aad)
        expect(api.constantTimeEqual(box.open(nonce, sealed, aad), m)).toBe(true)
        expect(api.constantTimeEqual(api.open(key, nonce, sealed, aad), m)).toBe(true)
        sealed[n >> 1]! ^= 1
        const out = new Uint8Array(n).fill(0xee)
        expect(() => box.openInto(out, 0, nonce, sealed, aad)).toThrow(api.AeadError)
        expect(out.every((b) => b === 0)).toBe(true)
        expect(() => box.open(nonce, sealed, aad)).toThrow(api.AeadError)
      }
    })

    it('Buffer as the frame (a Uint8Array subclass) works', () => {
      const nonce = api.counterNonce(13)
      const frame = Buffer.alloc(pt.length + 16 + 8)
      box.sealInto(frame, 8, nonce, pt)
      expect(toHex(frame.subarray(8))).toBe(toHex(box.seal(nonce, pt)))
      expect(box.openInto(frame, 8, nonce, frame.subarray(8))).toBe(pt.length)
      expect(frame.subarray(8, 8 + pt.length).toString()).toBe(new TextDecoder().decode(pt))
    })
  })
}
