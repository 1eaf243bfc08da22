import { BipackError, BipackReader, BipackWriter, smartintSize } from '@kp/bipack'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

const U64_MAX = 2n ** 64n - 1n
const S63 = 2n ** 63n - 1n
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'))
const encU = (v: number | bigint) => new BipackWriter().unsigned(v).toBytes()
const encS = (v: number | bigint) => new BipackWriter().signed(v).toBytes()

/** Reference encoder written straight from PROTOCOL.md section 2, on bigints. */
function reference(v: bigint): string {
  const out: number[] = []
  const t = v < 64n ? 0 : v < 1n << 14n ? 1 : v < 1n << 22n ? 2 : 3
  out.push(Number(((v & 63n) << 2n) | BigInt(t)))
  if (t >= 1) out.push(Number((v >> 6n) & 255n))
  if (t >= 2) out.push(Number((v >> 14n) & 255n))
  if (t === 3) {
    let rest = v >> 22n
    while (rest >= 128n) {
      out.push(Number(rest & 127n) | 128)
      rest >>= 7n
    }
    out.push(Number(rest))
  }
  return hex(new Uint8Array(out))
}

const boundaries: bigint[] = []
for (const k of [6n, 14n, 22n, 29n, 36n, 43n, 50n, 53n, 57n, 63n, 64n]) {
  for (const d of [-2n, -1n, 0n, 1n]) {
    const v = (1n << k) + d
    if (v >= 0n && v <= U64_MAX) boundaries.push(v)
  }
}

describe('unsigned smartint', () => {
  it('matches the reference encoder and round-trips over the full 64-bit range', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: U64_MAX }), (v) => {
        const b = encU(v)
        expect(hex(b)).toBe(reference(v))
        expect(smartintSize(v)).toBe(b.length)
        const r = new BipackReader(b)
        expect(r.unsignedBig()).toBe(v)
        expect(r.remaining).toBe(0)
      }),
      { numRuns: 5000 },
    )
  })

  it('boundary values 2^6, 2^14, 2^22, 2^53, 2^64-1 (±1)', () => {
    for (const v of boundaries) {
      const b = encU(v)
      expect(hex(b), `${v}`).toBe(reference(v))
      expect(new BipackReader(b).unsignedBig()).toBe(v)
      if (v <= MAX_SAFE) {
        expect(hex(encU(Number(v)))).toBe(hex(b))
        expect(new BipackReader(b).unsigned()).toBe(Number(v))
        expect(smartintSize(Number(v))).toBe(b.length)
      } else {
        expect(() => new BipackReader(b).unsigned()).toThrow(BipackError)
      }
    }
  })

  it('always uses the smallest type', () => {
    expect(encU(63).length).toBe(1)
    expect(encU(64).length).toBe(2)
    expect(encU(2 ** 14 - 1).length).toBe(2)
    expect(encU(2 ** 14).length).toBe(3)
    expect(encU(2 ** 22 - 1).length).toBe(3)
    expect(encU(2 ** 22).length).toBe(4)
    expect(hex(encU(U64_MAX))).toBe('ffffffffffffffff7f')
  })

  it('numbers past 2^53 that are exact integers are accepted', () => {
    expect(hex(encU(2 ** 60))).toBe(reference(2n ** 60n))
  })

  it('rejects values above 2^64-1 and negatives on write (RangeError)', () => {
    for (const v of [U64_MAX + 1n, 2n ** 70n, -1n, -1, 2 ** 64, Number.MAX_VALUE]) {
      expect(() => new BipackWriter().unsigned(v)).toThrow(RangeError)
      expect(() => smartintSize(v)).toThrow(RangeError)
    }
  })

  it('rejects values above 2^64-1 on read (BipackError)', () => {
    // low 22 bits zero, rest = 2^42 (one too many)
    const over = bytes('030000 80808080808001')
    expect(() => new BipackReader(over).unsignedBig()).toThrow(/above 2\^64-1/)
    // low bits all ones and rest = 2^42-1 is exactly 2^64-1
    expect(new BipackReader(bytes('ffffff ffffffffff7f')).unsignedBig()).toBe(U64_MAX)
    // huge high groups in a long varint
    expect(() => new BipackReader(bytes('030000 ffffffffffffffffff01')).unsignedBig()).toThrow(BipackError)
  })

  it('rejects varints longer than 10 bytes, accepts 10-byte non-minimal ones', () => {
    const eleven = bytes(`030000${'80'.repeat(10)}00`)
    expect(() => new BipackReader(eleven).unsignedBig()).toThrow(/longer than 10 bytes/)
    const ten = bytes(`070000${'80'.repeat(9)}00`)
    const r = new BipackReader(ten)
    expect(r.unsignedBig()).toBe(1n)
    expect(r.remaining).toBe(0)
  })

  it('accepts non-minimal encodings on decode', () => {
    expect(new BipackReader(bytes('0100')).unsigned()).toBe(0)
    expect(new BipackReader(bytes('020000')).unsigned()).toBe(0)
    expect(new BipackReader(bytes('03000000')).unsigned()).toBe(0)
    expect(new BipackReader(bytes('fd00')).unsigned()).toBe(63)
  })

  it('unsigned() rejects values above MAX_SAFE_INTEGER that unsignedBig() reads', () => {
    const b = encU(2n ** 53n)
    expect(() => new BipackReader(b).unsigned()).toThrow(/MAX_SAFE_INTEGER/)
    expect(new BipackReader(b).unsignedBig()).toBe(2n ** 53n)
  })

  it('truncated smartints fail at every length', () => {
    const full = encU(U64_MAX)
    for (let n = 0; n < full.length; n++) {
      expect(() => new BipackReader(full.subarray(0, n)).unsignedBig()).toThrow(BipackError)
    }
  })
})

describe('signed smartint', () => {
  it('is (|v| << 1) | sign, not zigzag', () => {
    expect(hex(encS(-1))).toBe('0c')
    expect(hex(encS(1))).toBe('08')
    expect(hex(encS(32))).toBe('0101')
    expect(hex(encS(-1000000))).toBe('06127a')
  })

  it('round-trips over -(2^63-1)..2^63-1', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -S63, max: S63 }), (v) => {
        const b = encS(v)
        const mag = v < 0n ? -v : v
        expect(hex(b)).toBe(reference((mag << 1n) | (v < 0n ? 1n : 0n)))
        expect(new BipackReader(b).signedBig()).toBe(v)
        if (mag <= MAX_SAFE) {
          expect(hex(encS(Number(v)))).toBe(hex(b))
          expect(new BipackReader(b).signed()).toBe(Number(v))
        } else {
          expect(() => new BipackReader(b).signed()).toThrow(BipackError)
        }
      }),
      { numRuns: 5000 },
    )
  })

  it('number path round-trips every safe integer it is given', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (v) => {
        const b = encS(v)
        expect(new BipackReader(b).signed()).toBe(v)
        expect(new BipackReader(b).signedBig()).toBe(BigInt(v))
      }),
      { numRuns: 5000 },
    )
    for (const v of [Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 52, -(2 ** 52), 2 ** 31, -(2 ** 31) - 1]) {
      expect(new BipackReader(encS(v)).signed()).toBe(v)
    }
  })

  it('boundaries and range', () => {
    expect(new BipackReader(encS(S63)).signedBig()).toBe(S63)
    expect(new BipackReader(encS(-S63)).signedBig()).toBe(-S63)
    expect(hex(encS(-S63))).toBe('ffffffffffffffff7f')
    expect(() => encS(S63 + 1n)).toThrow(RangeError)
    expect(() => encS(-(2n ** 63n))).toThrow(RangeError)
    expect(() => encS(2 ** 63)).toThrow(RangeError)
  })

  it('"negative zero" (unsigned 1) decodes to 0, never -0', () => {
    expect(Object.is(new BipackReader(bytes('04')).signed(), 0)).toBe(true)
    expect(new BipackReader(bytes('04')).signedBig()).toBe(0n)
  })

  it('-0 encodes as 0', () => {
    expect(hex(encS(-0))).toBe('00')
  })
})
