import { describe, expect, it } from 'vitest'
import { ProtocolError } from '../src/errors/protocol-error.js'
import { RecordOpener } from '../src/record/record-opener.js'
import { RECORD_HEADER_MAX, RecordSealer } from '../src/record/record-sealer.js'

const key = Uint8Array.from({ length: 32 }, (_, i) => i * 3)
const message = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff)

describe('records sealed and opened in place (the copy-free record path)', () => {
  it('sealInPlace gives the frames seal gives, across header sizes (counters 0..70 and sizes 0..70 000)', () => {
    const a = new RecordSealer(key)
    const b = new RecordSealer(key)
    for (let i = 0; i < 71; i++) {
      const n = i === 70 ? 70_000 : i * 13
      const m = message(n, i)
      const want = a.seal(m, i % 2 ? 7 : 4)
      const buf = new Uint8Array(RECORD_HEADER_MAX + n + 16 + 5)
      buf.set(m, RECORD_HEADER_MAX)
      const got = b.sealInPlace(buf, RECORD_HEADER_MAX, n, i % 2 ? 7 : 4)
      expect(got.buffer).toBe(buf.buffer) // a view: no copy
      expect(Buffer.from(got).equals(Buffer.from(want)), `record ${i}`).toBe(true)
    }
  })

  it('openInPlace gives the plaintext open gives, as a view of the frame', () => {
    const sealer = new RecordSealer(key)
    const copying = new RecordOpener(key, true)
    const inPlace = new RecordOpener(key, true)
    for (let i = 0; i < 5; i++) {
      const m = message(1000 * i, i)
      const frame = sealer.seal(m)
      const want = copying.open(frame.slice())!
      const got = inPlace.openInPlace(frame)!
      expect(got.buffer).toBe(frame.buffer)
      expect(Buffer.from(got).equals(Buffer.from(m))).toBe(true)
      expect(Buffer.from(want).equals(Buffer.from(m))).toBe(true)
    }
    expect(inPlace.stats.accepted).toBe(5)
  })

  it('a forged record: ProtocolError on a reliable transport, dropped and counted on datagrams, zeroed either way', () => {
    const sealer = new RecordSealer(key)
    const frame = sealer.seal(message(100, 1))
    frame[20]! ^= 1
    const reliable = new RecordOpener(key, true)
    expect(() => reliable.openInPlace(frame.slice())).toThrow(ProtocolError)
    const datagram = new RecordOpener(key, false)
    const copy = frame.slice()
    expect(datagram.openInPlace(copy)).toBeNull()
    expect(datagram.stats.forged).toBe(1)
    expect(copy.subarray(2, 102).every((b) => b === 0)).toBe(true) // no unauthenticated plaintext left
  })

  it('sealInPlace refuses a buffer without room for the header or the tag (RangeError) and takes no counter then', () => {
    const sealer = new RecordSealer(key)
    expect(() => sealer.sealInPlace(new Uint8Array(40), 1, 10)).toThrow(RangeError) // header needs 2 bytes
    expect(() => sealer.sealInPlace(new Uint8Array(40), 10, 20)).toThrow(RangeError) // no 16 bytes for the tag
    expect(sealer.next).toBe(0)
    expect(sealer.sealInPlace(new Uint8Array(40), 2, 22).length).toBe(40)
    expect(sealer.next).toBe(1)
  })
})
