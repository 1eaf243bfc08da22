import * as bp from '@kp/bipack'
import { describe, expect, it } from 'vitest'

const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'))
const enc = (f: (w: bp.BipackWriter) => void) => {
  const w = new bp.BipackWriter()
  f(w)
  return w.toBytes()
}

/** Runs fn and returns the BipackError it throws (fails if it throws anything else). */
function bipackError(fn: () => unknown): bp.BipackError {
  try {
    fn()
  } catch (e) {
    if (bp.BipackError.isInstance(e)) return e
    throw e
  }
  throw new Error('expected a BipackError, nothing was thrown')
}

describe('counts and lengths larger than the input', () => {
  it('huge list count with little data fails fast, before allocating', () => {
    const input = enc((w) =>
      w
        .unsigned(2n ** 40n)
        .u8(1)
        .u8(2),
    )
    const t0 = performance.now()
    const e = bipackError(() => bp.list(bp.u8).decode(input))
    expect(performance.now() - t0).toBeLessThan(50)
    expect(e.message).toMatch(/count 1099511627776 needs at least/)
    expect(e.offset).toBe(0)
  })

  it('count × item minimum size is checked (struct items of 9 bytes)', () => {
    const item = bp.struct({ a: bp.u64, b: bp.bool })
    // 3 items claimed, 20 bytes left: 3 × 9 = 27 > 20
    const input = new Uint8Array([3 << 2, ...new Uint8Array(20)])
    expect(bipackError(() => bp.list(item).decode(input)).message).toMatch(/needs at least 27/)
  })

  it('map count counts key + value', () => {
    const input = enc((w) => w.unsigned(5).u8(1).u8(1).u8(1).u8(1).u8(1).u8(1))
    expect(bipackError(() => bp.map(bp.u8, bp.u8).decode(input)).message).toMatch(/needs at least 10/)
  })

  it('string and bytes lengths past the end', () => {
    const input = enc((w) => w.unsigned(1_000_000).fixed(new Uint8Array(10)))
    expect(bipackError(() => bp.string.decode(input)).message).toMatch(/length 1000000 exceeds the 10 byte/)
    expect(bipackError(() => bp.bytes.decode(input)).message).toMatch(/length 1000000 exceeds/)
    const huge = enc((w) => w.unsigned(2n ** 64n - 1n))
    expect(() => bp.bytes.decode(huge)).toThrow(bp.BipackError)
  })

  it('zero-size items: a modest count works, a huge one is capped', () => {
    expect(bp.list(bp.unit).decode(enc((w) => w.unsigned(1000)))).toHaveLength(1000)
    expect(() => bp.list(bp.unit).decode(enc((w) => w.unsigned(2 ** 30)))).toThrow(/zero-size items exceeds/)
    expect(() => bp.list(bp.struct({})).decode(enc((w) => w.unsigned(2 ** 30)))).toThrow(bp.BipackError)
  })

  it('nested zero-size lists cannot multiply the allocation', () => {
    // 1000 inner lists each claiming 2^16 units: the budget is per decode, not per list
    const input = enc((w) => {
      w.unsigned(1000)
      for (let i = 0; i < 1000; i++) w.unsigned(2 ** 16)
    })
    const t0 = performance.now()
    expect(() => bp.list(bp.list(bp.unit)).decode(input)).toThrow(/zero-size items exceeds/)
    expect(performance.now() - t0).toBeLessThan(1000)
  })

  it('deep recursion through lazy is capped with BipackError, not a stack overflow', () => {
    interface Node {
      next: Node | null
    }
    const node: bp.Schema<Node> = bp.struct({ next: bp.optional(bp.lazy(() => node)) })
    const deep = new Uint8Array(200_000).fill(1)
    expect(bipackError(() => node.decode(deep)).message).toMatch(/nesting deeper than 512/)
    // 500 levels are fine
    const ok = new Uint8Array(501).fill(1)
    ok[500] = 0
    expect(() => node.decode(ok)).not.toThrow()
  })
})

describe('malformed values', () => {
  const bad = [
    ['ff', 'invalid start byte'],
    ['c0 80', 'overlong NUL'],
    ['e0 80 80', 'overlong 3-byte'],
    ['ed a0 80', 'UTF-16 surrogate'],
    ['e2 82', 'truncated sequence'],
    ['f4 90 80 80', 'above U+10FFFF'],
    ['80', 'lone continuation byte'],
    ['f8 88 80 80 80', '5-byte form'],
  ] as const
  for (const [h, what] of bad) {
    it(`invalid UTF-8: ${what}`, () => {
      const body = bytes(h)
      for (const pad of [0, 80]) {
        const s = new Uint8Array(pad + body.length).fill(0x61)
        s.set(body, pad)
        const input = enc((w) => w.bytes(s))
        const e = bipackError(() => bp.string.decode(input))
        expect(e.message).toMatch(/invalid UTF-8/)
        expect(e.offset).toBe(input.length - s.length)
      }
    })
  }

  it('invalid bool byte', () => {
    const e = bipackError(() => bp.bool.decode(new Uint8Array([2])))
    expect(e.message).toBe('invalid bool byte 0x02 at offset 0')
    expect(() => bp.optional(bp.u8).decode(new Uint8Array([7, 1]))).toThrow(/invalid bool byte 0x07/)
  })

  it('enum ordinal and union tag out of range', () => {
    expect(() => bp.enumOf(['a', 'b']).decode(new Uint8Array([2 << 2]))).toThrow(/enum ordinal 2 out of range 0..1/)
    expect(() => bp.union({ a: bp.unit }).decode(new Uint8Array([1 << 2]))).toThrow(/union tag 1 out of range/)
  })

  it('date outside the Date range', () => {
    const input = enc((w) => w.signed(8.64e15 + 1))
    expect(() => bp.date.decode(input)).toThrow(/outside the Date range/)
  })

  it('duplicate map keys', () => {
    const input = enc((w) => w.unsigned(2).string('a').u8(1).string('a').u8(2))
    expect(bipackError(() => bp.map(bp.string, bp.u8).decode(input)).message).toBe('duplicate map key at offset 4')
  })

  it('int/uint reject values outside the safe range', () => {
    expect(() => bp.int.decode(enc((w) => w.signed(2n ** 60n)))).toThrow(bp.BipackError)
    expect(() => bp.uint.decode(enc((w) => w.unsigned(2n ** 60n)))).toThrow(bp.BipackError)
  })
})

describe('trailing and truncated input', () => {
  const Msg = bp.struct({
    id: bp.uint,
    name: bp.string,
    key: bp.fixedBytes(8),
    tags: bp.list(bp.string),
    meta: bp.map(bp.string, bp.optional(bp.i64)),
    at: bp.date,
    score: bp.f64,
    kind: bp.union({ a: bp.unit, b: bp.tuple(bp.u16, bp.bool) }),
  })
  const value = {
    id: 70000,
    name: 'héllo',
    key: new Uint8Array(8).fill(3),
    tags: ['x', 'y'.repeat(70)],
    meta: new Map<string, bigint | null>([
      ['a', 1n],
      ['b', null],
    ]),
    at: new Date(1_700_000_000_000),
    score: 1.25,
    kind: { type: 'b' as const, value: [513, true] as [number, boolean] },
  }
  const full = Msg.encode(value)

  it('the valid encoding decodes', () => {
    expect(Msg.decode(full)).toEqual(value)
  })

  it('trailing bytes are an error', () => {
    const more = new Uint8Array([...full, 0])
    const e = bipackError(() => Msg.decode(more))
    expect(e.message).toBe(`1 trailing byte(s) after the value at offset ${full.length}`)
    expect(e.offset).toBe(full.length)
  })

  it('truncation at every offset is an error', () => {
    for (let n = 0; n < full.length; n++) {
      const e = bipackError(() => Msg.decode(full.slice(0, n)))
      expect(e.offset).toBeLessThanOrEqual(n)
    }
  })

  it('the reader honours its end bound', () => {
    const r = new bp.BipackReader(new Uint8Array([1, 2, 3, 4]), 1, 3)
    expect(r.remaining).toBe(2)
    expect(r.u16()).toBe(0x0203)
    expect(() => r.u8()).toThrow(/unexpected end of input: need 1 byte\(s\), 0 left at offset 3/)
    r.expectEnd()
  })

  it('every fixed-size read checks bounds', () => {
    const r = () => new bp.BipackReader(new Uint8Array(3))
    for (const f of [
      (x: bp.BipackReader) => x.u32(),
      (x: bp.BipackReader) => x.i32(),
      (x: bp.BipackReader) => x.u64(),
      (x: bp.BipackReader) => x.i64(),
      (x: bp.BipackReader) => x.f32(),
      (x: bp.BipackReader) => x.f64(),
      (x: bp.BipackReader) => x.fixed(4),
    ])
      expect(() => f(r())).toThrow(bp.BipackError)
  })
})
