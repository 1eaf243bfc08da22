import { readFileSync } from 'node:fs'
import { ProtocolError } from '@kp/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FrameDecoder } from '../src/frame-decoder.js'
import { encodeFrame, headerSize, writeHeader } from '../src/frame-encoder.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'))

function header(length: number): Uint8Array {
  const out = new Uint8Array(headerSize(length))
  expect(writeHeader(out, 0, length)).toBe(out.length)
  return out
}

/** A sink that admits lengths 1..limit and records the first length it refused. */
function sink(limit: number, onFrame: (f: Uint8Array) => void) {
  const s = {
    refused: undefined as { length: number; atLeast: boolean } | undefined,
    admit(length: number, atLeast: boolean) {
      if (length > 0 && length <= limit) return true
      s.refused ??= { length, atLeast }
      return false
    },
    frame: onFrame,
  }
  return s
}

/** Decodes `chunks`, returning the frames (copied, as hex), the error thrown, or the length refused. */
function decode(chunks: Uint8Array[], maxFrame = 1 << 24): { frames: string[]; error?: unknown; refused?: { length: number; atLeast: boolean }; mid: boolean } {
  const frames: string[] = []
  const s = sink(maxFrame, (f) => frames.push(hex(f)))
  const d = new FrameDecoder(s)
  try {
    for (const c of chunks) d.push(c)
  } catch (error) {
    return { frames, error, mid: d.midFrame }
  }
  return s.refused ? { frames, refused: s.refused, mid: d.midFrame } : { frames, mid: d.midFrame }
}

describe('frame header (smartint, PROTOCOL.md 2)', () => {
  // The unsigned smartint vectors of the protocol's bipack test set (PROTOCOL.md 2), up to 2^40.
  const vectors =
    // the bipack package's reference vectors, in this repository
    (
      JSON.parse(readFileSync(new URL('../../bipack/test/vectors/bipack.json', import.meta.url), 'utf8')) as {
        vectors: { op: string; value: string; hex: string }[]
      }
    ).vectors.filter((v) => v.op === 'unsigned' && Number(v.value) <= 2 ** 40)

  it('matches the bipack reference vectors', () => {
    expect(vectors.length).toBeGreaterThan(5)
    for (const v of vectors) expect(hex(header(Number(v.value))), v.value).toBe(v.hex)
  })

  it('decodes the vectors that are valid frame lengths, and refuses the larger ones before allocating', () => {
    for (const v of vectors) {
      const n = Number(v.value)
      const r = decode([unhex(v.hex)], 1 << 30)
      if (n === 0 || n > 1 << 30) expect(r.refused, v.value).toBeDefined()
      else expect(r).toEqual({ frames: [], mid: true })
    }
  })

  it('round-trips every header size boundary', () => {
    for (const n of [1, 63, 64, 16_383, 16_384, 4_194_303, 4_194_304, 536_870_911, 536_870_912, 2 ** 30]) {
      const h = header(n)
      const r = decode([h], 2 ** 30)
      expect(r.error, String(n)).toBeUndefined()
      expect(r.mid).toBe(true)
    }
  })
})

describe('FrameDecoder', () => {
  const stream = (frames: Uint8Array[]) => Buffer.concat(frames.map(encodeFrame))
  const sample = [1, 2, 63, 64, 200, 16_384, 70_000].map((n, i) => new Uint8Array(n).fill(i + 1))
  const wire = stream(sample)
  const want = sample.map(hex)

  it('hands out whole frames inside one chunk as views of it (zero copy)', () => {
    const chunk = stream([new Uint8Array([1, 2, 3]), new Uint8Array([4, 5])])
    const got: Uint8Array[] = []
    new FrameDecoder(sink(100, (f) => got.push(f))).push(chunk)
    expect(got.map(hex)).toEqual(['010203', '0405'])
    expect(got[0]!.buffer).toBe(chunk.buffer)
    expect(got[0]!.constructor).toBe(Uint8Array)
  })

  it('reassembles a multi-frame stream cut at every byte boundary', () => {
    for (let i = 0; i <= wire.length; i += i < 400 ? 1 : 997) {
      expect(decode([wire.subarray(0, i), wire.subarray(i)]).frames).toEqual(want)
    }
  })

  it('reassembles a stream fed one byte at a time', () => {
    const bytes = stream(sample.slice(0, 6))
    const chunks = Array.from(bytes, (b) => new Uint8Array([b]))
    expect(decode(chunks)).toEqual({ frames: want.slice(0, 6), mid: false })
  })

  it('reassembles any random split of any frames (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (frames, cuts) => {
          const bytes = stream(frames)
          const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
          const chunks: Uint8Array[] = []
          let prev = 0
          for (const c of [...at, bytes.length]) {
            chunks.push(bytes.subarray(prev, c))
            prev = c
          }
          expect(decode(chunks)).toEqual({ frames: frames.map(hex), mid: false })
        },
      ),
      { numRuns: 300 },
    )
  })

  it('copies a frame spanning chunks once, into a buffer of exactly its size', () => {
    const frame = new Uint8Array(1000).fill(7)
    const bytes = encodeFrame(frame)
    const got: Uint8Array[] = []
    const d = new FrameDecoder(sink(1000, (f) => got.push(f)))
    for (let i = 0; i < bytes.length; i += 100) d.push(bytes.subarray(i, i + 100))
    expect(got).toHaveLength(1)
    expect(got[0]!.buffer.byteLength).toBe(1000)
    expect(hex(got[0]!)).toBe(hex(frame))
  })

  it('asks the sink about a zero length and stops when refused', () => {
    const r = decode([stream([new Uint8Array([9])]), new Uint8Array([0, 4, 1])])
    expect(r.frames).toEqual(['09'])
    expect(r.refused).toEqual({ length: 0, atLeast: false })
  })

  it('asks the sink about a length from the header alone, and stops when refused', () => {
    for (const n of [101, 16_383, 16_384, 4_194_303, 2 ** 30]) {
      const r = decode([header(n)], 100)
      // a type-3 header (from 4 MiB) is asked as a lower bound while its varint grows
      expect(r.refused, String(n)).toEqual({ length: n, atLeast: n >= 4_194_304 })
      expect(r.mid).toBe(false)
    }
    // a type-3 header is refused at its first varint byte, before the rest arrives
    const r = decode([unhex('0300008580')], 2 ** 24)
    expect(r.refused?.atLeast).toBe(true)
    expect(r.refused!.length).toBeGreaterThan(2 ** 24)
  })

  it('hands out at most the frames and bytes allowed per push, and resumes where it stopped', () => {
    const frames = Array.from({ length: 10 }, (_, i) => new Uint8Array([i + 1]))
    const wire = stream(frames)
    const got: string[] = []
    const d = new FrameDecoder(sink(100, (f) => got.push(hex(f))))
    d.allow(3, 1 << 20)
    let off = d.push(wire)
    expect(got).toEqual(['01', '02', '03'])
    expect(off).toBe(6)
    d.allow(3, 1 << 20)
    off = d.push(wire, off)
    expect(got).toHaveLength(6)
    d.allow(100, 2) // bytes: a frame that crosses the allowance is still whole, then it stops
    off = d.push(wire, off)
    expect(got).toHaveLength(8)
    d.allow(100, 1 << 20)
    expect(d.push(wire, off)).toBe(wire.length)
    expect(got).toEqual(frames.map(hex))
  })

  it('refuses a header whose varint is longer than 10 bytes', () => {
    // length 0 (bits 0..21) followed by a varint of zeros that never ends
    const r = decode([unhex(`030000${'80'.repeat(10)}00`)], 2 ** 30)
    expect(ProtocolError.isInstance(r.error)).toBe(true)
    expect(String(r.error)).toMatch(/longer than 10 bytes/)
    // ten bytes are still fine (non-minimal but well formed)
    expect(decode([unhex(`070000${'80'.repeat(9)}00`), new Uint8Array(1)], 2 ** 30).frames).toEqual(['00'])
  })

  it('stops at once when stopped from inside onFrame', () => {
    const got: string[] = []
    const d = new FrameDecoder(
      sink(100, (f) => {
        got.push(hex(f))
        d.stop()
      }),
    )
    d.push(stream([new Uint8Array([1]), new Uint8Array([2])]))
    expect(got).toEqual(['01'])
  })
})
