import * as bp from '@kp/bipack'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CASES, schemaAndValue } from './arbitraries.js'

describe('encode → decode is the identity', () => {
  for (const c of CASES) {
    it(c.name, () => {
      fc.assert(
        fc.property(c.arb, (v) => {
          const bytes = c.schema.encode(v)
          expect(c.schema.decode(bytes)).toEqual(v)
          // write/read through an explicit writer and reader agree with encode/decode
          const w = new bp.BipackWriter(1)
          c.schema.write(w, v)
          expect(w.toBytes()).toEqual(bytes)
          const r = new bp.BipackReader(bytes)
          expect(c.schema.read(r)).toEqual(v)
          expect(r.remaining).toBe(0)
          // minSize never overstates the encoding
          expect(bytes.length).toBeGreaterThanOrEqual(c.schema.minSize ?? 1)
        }),
        { numRuns: 500 },
      )
    })
  }

  it('random nested schemas', () => {
    fc.assert(
      fc.property(schemaAndValue, ({ schema, value }) => {
        const bytes = schema.encode(value)
        expect(schema.decode(bytes)).toEqual(value)
        expect(bytes.length).toBeGreaterThanOrEqual(schema.minSize ?? 1)
      }),
      { numRuns: 2000 },
    )
  })

  it('values are decoded at any offset of a larger buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), fc.string({ unit: 'binary' }), fc.uint8Array({ maxLength: 8 }), (pre, s, post) => {
        const body = bp.string.encode(s)
        const all = new Uint8Array([...pre, ...body, ...post])
        const r = new bp.BipackReader(all, pre.length, pre.length + body.length)
        expect(r.string()).toBe(s)
        r.expectEnd()
      }),
    )
  })
})

describe('encodings', () => {
  it('struct fields go in declaration order without names', () => {
    const s = bp.struct({ text: bp.string, number: bp.int })
    expect(Buffer.from(s.encode({ text: 'hi', number: -1 })).toString('hex')).toBe('0868690c')
  })

  it('tuple, list, map, optional, enum, union, unit, date', () => {
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
    expect(hex(bp.tuple(bp.u8, bp.bool).encode([7, true]))).toBe('0701')
    expect(hex(bp.list(bp.u8).encode([1, 2, 3]))).toBe('0c010203')
    expect(hex(bp.map(bp.string, bp.u8).encode(new Map([['a', 1]])))).toBe('04046101')
    expect(hex(bp.optional(bp.u8).encode(null))).toBe('00')
    expect(hex(bp.optional(bp.u8).encode(5))).toBe('0105')
    expect(hex(bp.enumOf(['a', 'b', 'c']).encode('c'))).toBe('08')
    const u = bp.union({ a: bp.unit, b: bp.u8 })
    expect(hex(u.encode({ type: 'b', value: 9 }))).toBe('0409')
    expect(u.decode(new Uint8Array([0]))).toEqual({ type: 'a', value: undefined })
    expect(hex(bp.unit.encode(undefined))).toBe('')
    expect(hex(bp.date.encode(new Date(-1)))).toBe('0c')
    expect(hex(bp.bigint.encode(-1n))).toBe('0c')
  })

  it('short non-ASCII strings that need a two-byte length are shifted correctly', () => {
    for (const s of ['é'.repeat(31), 'é'.repeat(32), '€'.repeat(21), '€'.repeat(22), '😀'.repeat(16), `${'a'.repeat(60)}é`]) {
      const bytes = bp.string.encode(s)
      const utf8 = new TextEncoder().encode(s)
      expect(bytes.subarray(bytes.length - utf8.length)).toEqual(utf8)
      expect(bp.string.decode(bytes)).toBe(s)
      expect(bytes.length).toBe(bp.smartintSize(utf8.length) + utf8.length)
    }
  })

  it('long strings get the shortest length field', () => {
    for (const n of [64, 100, 5461, 5462, 16383, 16384, 70000]) {
      for (const ch of ['a', 'é', '€']) {
        const s = ch.repeat(Math.ceil(n / ch.length))
        const bytes = bp.string.encode(s)
        const len = new TextEncoder().encode(s).length
        expect(bytes.length).toBe(bp.smartintSize(len) + len)
        expect(bp.string.decode(bytes)).toBe(s)
      }
    }
  })

  it('lone surrogates encode as U+FFFD, like TextEncoder', () => {
    for (const s of ['\ud800', 'a\udc00b', 'x'.repeat(70) + '\ud83d']) {
      expect(bp.string.decode(bp.string.encode(s))).toBe(new TextDecoder().decode(new TextEncoder().encode(s)))
    }
  })

  it('a leading BOM is kept', () => {
    expect(bp.string.decode(bp.string.encode('\ufeffhi'))).toBe('\ufeffhi')
  })

  it('u64/i64/bigint accept numbers at run time and decode to bigint', () => {
    const u64 = bp.u64 as bp.Schema<bigint | number>
    const i64 = bp.i64 as bp.Schema<bigint | number>
    expect(bp.u64.decode(u64.encode(2 ** 60))).toBe(2n ** 60n)
    expect(bp.i64.decode(i64.encode(-(2 ** 60)))).toBe(-(2n ** 60n))
    expect(bp.i64.decode(i64.encode(-1))).toBe(-1n)
    expect(i64.encode(-(2 ** 63))).toEqual(new Uint8Array([0x80, 0, 0, 0, 0, 0, 0, 0]))
    expect(bp.bigint.decode((bp.bigint as bp.Schema<bigint | number>).encode(-5))).toBe(-5n)
  })

  it('bytes and fixedBytes decode to copies; the reader returns views', () => {
    const enc = bp.bytes.encode(new Uint8Array([1, 2, 3]))
    const got = bp.bytes.decode(enc)
    enc[1] = 9
    expect(got).toEqual(new Uint8Array([1, 2, 3]))
    const r = new bp.BipackReader(enc)
    const view = r.bytes()
    expect(view.buffer).toBe(enc.buffer)
  })

  it('writer reuse: reset keeps the buffer, view aliases it, toBytes copies', () => {
    const w = new bp.BipackWriter(1)
    w.string('hello world, this grows the buffer')
    const copy = w.toBytes()
    w.reset()
    expect(w.length).toBe(0)
    w.u8(1)
    expect(w.view()).toEqual(new Uint8Array([1]))
    expect(copy.length).toBe(35)
  })

  it('encode is re-entrant (a custom schema may call encode inside write)', () => {
    const inner = bp.struct({ a: bp.string })
    const wrapped = bp.custom<string>({
      write: (w, v) => {
        w.bytes(inner.encode({ a: v }))
      },
      read: (r) => inner.decode(r.bytes()).a,
    })
    const outer = bp.struct({ x: wrapped, y: bp.string })
    expect(outer.decode(outer.encode({ x: 'in', y: 'out' }))).toEqual({ x: 'in', y: 'out' })
  })

  it('transform maps values over the same wire format', () => {
    const url = bp.transform(
      bp.string,
      (s) => new URL(s),
      (u: URL) => u.href,
    )
    expect(url.decode(url.encode(new URL('https://example.com/a'))).href).toBe('https://example.com/a')
    expect(url.encode(new URL('https://e.x/'))).toEqual(bp.string.encode('https://e.x/'))
    expect(() => url.decode(bp.string.encode('not a url'))).toThrow(bp.BipackError)
  })
})
