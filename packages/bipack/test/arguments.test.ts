// Wrong-typed input at public boundaries: TypeError for a wrong type, RangeError for a wrong
// range or length, and the message names the argument.
import * as bp from '@kp/bipack'
import { describe, expect, it } from 'vitest'

type Ctor = typeof TypeError | typeof RangeError
const w = () => new bp.BipackWriter()

const NOT_NUMBERS: unknown[] = [null, undefined, '1', {}, [], true, Symbol('x')]
const NON_INTEGERS: unknown[] = [Number.NaN, 1.5, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]

/** [writer method, values out of range] for number-only integer methods. */
const INT_METHODS: [keyof bp.BipackWriter & string, number[]][] = [
  ['u8', [-1, 256]],
  ['u16', [-1, 65536]],
  ['u32', [-1, 2 ** 32]],
  ['i8', [-129, 128]],
  ['i16', [-32769, 32768]],
  ['i32', [-(2 ** 31) - 1, 2 ** 31]],
]

/** Methods that accept number | bigint. */
const BIG_METHODS: [keyof bp.BipackWriter & string, (number | bigint)[]][] = [
  ['u64', [-1, -1n, 2n ** 64n, 2 ** 64]],
  ['i64', [2n ** 63n, -(2n ** 63n) - 1n, 2 ** 63]],
  ['unsigned', [-1, -1n, 2n ** 64n, 2 ** 64]],
  ['signed', [2n ** 63n, -(2n ** 63n), 2 ** 63, -(2 ** 63)]],
]

const call = (m: string, v: unknown) => () => (w() as any)[m](v)

describe('writer methods', () => {
  for (const [m, outOfRange] of INT_METHODS) {
    it(`${m}: wrong types, non-integers and out-of-range values`, () => {
      for (const v of [...NOT_NUMBERS, ...NON_INTEGERS, 1n]) {
        expect(call(m, v), `${m}(${String(v)})`).toThrow(TypeError)
        expect(call(m, v), `${m}(${String(v)})`).toThrow(`"${m}" expected`)
      }
      for (const v of outOfRange) expect(call(m, v), `${m}(${v})`).toThrow(RangeError)
      expect(call(m, 1.5)).toThrow(`"${m}" expected integer in`)
      expect(call(m, null)).toThrow(/got null$/)
      expect(call(m, outOfRange[1])).toThrow(`got ${outOfRange[1]}`)
    })
  }

  for (const [m, outOfRange] of BIG_METHODS) {
    it(`${m}: wrong types, non-integers and out-of-range values`, () => {
      for (const v of [...NOT_NUMBERS, ...NON_INTEGERS]) {
        expect(call(m, v), `${m}(${String(v)})`).toThrow(TypeError)
        expect(call(m, v), `${m}(${String(v)})`).toThrow(`"${m}" expected`)
      }
      for (const v of outOfRange) expect(call(m, v), `${m}(${v})`).toThrow(RangeError)
      expect(call(m, 'x')).toThrow(`"${m}" expected integer (number or bigint)`)
    })
  }

  it('f32/f64 take numbers only (NaN and Infinity are valid floats)', () => {
    for (const m of ['f32', 'f64']) {
      for (const v of NOT_NUMBERS) expect(call(m, v)).toThrow(`"${m}" expected number`)
      expect(call(m, 1n)).toThrow(`"${m}" expected number, got 1n`)
      expect(call(m, Number.NaN)).not.toThrow()
    }
  })

  it('bool takes booleans only', () => {
    for (const v of [0, 1, 'true', null, undefined]) expect(call('bool', v)).toThrow(TypeError)
    expect(call('bool', 1)).toThrow('"bool" expected boolean, got 1')
  })

  it('string takes strings only', () => {
    for (const v of [null, undefined, 1, {}, new Uint8Array(1)]) expect(call('string', v)).toThrow(TypeError)
    expect(call('string', null)).toThrow('"string" expected string, got null')
  })

  it('bytes/fixed take Uint8Array only', () => {
    for (const m of ['bytes', 'fixed']) {
      for (const v of [null, 'ab', [1, 2], new Uint16Array(2), new ArrayBuffer(2), new DataView(new ArrayBuffer(2))]) expect(call(m, v)).toThrow(TypeError)
      expect(call(m, new Uint16Array(1))).toThrow(`"${m}" expected Uint8Array, got object Uint16Array`)
    }
    expect(call('bytes', Buffer.from('ab'))).not.toThrow() // a Buffer is a Uint8Array
  })

  it('a failed write leaves earlier output intact', () => {
    const x = w().u8(1)
    expect(() => x.u8(300)).toThrow(RangeError)
    expect(x.toBytes()).toEqual(new Uint8Array([1]))
  })
})

describe('constructors and factories', () => {
  const cases: [string, () => unknown, Ctor, string | RegExp][] = [
    ['new BipackWriter(-1)', () => new bp.BipackWriter(-1), RangeError, '"initialCapacity"'],
    ['new BipackWriter(1.5)', () => new bp.BipackWriter(1.5), TypeError, '"initialCapacity"'],
    ['new BipackWriter("8")', () => new bp.BipackWriter('8' as any), TypeError, '"initialCapacity"'],
    ['new BipackReader(null)', () => new bp.BipackReader(null as any), TypeError, '"buf" expected Uint8Array, got null'],
    ['new BipackReader([1])', () => new bp.BipackReader([1] as any), TypeError, '"buf" expected Uint8Array'],
    ['new BipackReader(buf, 3)', () => new bp.BipackReader(new Uint8Array(2), 3), RangeError, '"start"'],
    ['new BipackReader(buf, 0, 3)', () => new bp.BipackReader(new Uint8Array(2), 0, 3), RangeError, '"end"'],
    ['new BipackReader(buf, 2, 1)', () => new bp.BipackReader(new Uint8Array(2), 2, 1), RangeError, '"start"'],
    ['reader.fixed(-1)', () => new bp.BipackReader(new Uint8Array(2)).fixed(-1), RangeError, '"n"'],
    ['fixedBytes(-1)', () => bp.fixedBytes(-1), RangeError, '"n"'],
    ['fixedBytes(1.5)', () => bp.fixedBytes(1.5), TypeError, '"n"'],
    ['struct(null)', () => bp.struct(null as any), TypeError, '"fields" expected an object of schemas, got null'],
    ['struct({ a: 1 })', () => bp.struct({ a: 1 } as any), TypeError, '"fields.a" expected a bipack schema, got 1'],
    ['struct({ 1: u8 })', () => bp.struct({ 1: bp.u8 }), TypeError, 'integer-like'],
    ['struct({ __proto__ })', () => bp.struct({ ['__proto__']: bp.u8 }), TypeError, '"__proto__" is not allowed'],
    ['tuple(1)', () => bp.tuple(1 as any), TypeError, '"items[0]"'],
    ['list(null)', () => bp.list(null as any), TypeError, '"item" expected a bipack schema, got null'],
    ['map(string, 1)', () => bp.map(bp.string, 1 as any), TypeError, '"value"'],
    ['optional({})', () => bp.optional({} as any), TypeError, '"item"'],
    ['enumOf("a")', () => bp.enumOf('a' as any), TypeError, '"values"'],
    ['enumOf([1])', () => bp.enumOf([1] as any), TypeError, '"values[0]" expected string, got 1'],
    ['enumOf(["a", "a"])', () => bp.enumOf(['a', 'a']), TypeError, 'duplicate entry "a"'],
    ['union([])', () => bp.union([] as any), TypeError, '"variants"'],
    ['union({ 0: u8 })', () => bp.union({ 0: bp.u8 }), TypeError, 'integer-like'],
    ['lazy(1)', () => bp.lazy(1 as any), TypeError, '"get"'],
    ['custom({})', () => bp.custom({} as any), TypeError, '"def.write"'],
    ['smartintSize(-1)', () => bp.smartintSize(-1), RangeError, '"value"'],
    ['smartintSize("1")', () => bp.smartintSize('1' as any), TypeError, '"value"'],
    ['decode("ab")', () => bp.string.decode('ab' as any), TypeError, '"bytes" expected Uint8Array'],
  ]
  it.each(cases)('%s', (_, fn, ctor, msg) => {
    expect(fn).toThrow(ctor)
    expect(fn).toThrow(msg)
  })
})

describe('schema writes', () => {
  const S = bp.struct({ name: bp.string, age: bp.int, key: bp.fixedBytes(4) })
  const ok = { name: 'a', age: 1, key: new Uint8Array(4) }
  const cases: [string, () => unknown, Ctor, string | RegExp][] = [
    ['struct null', () => S.encode(null as any), TypeError, '"struct" expected an object, got null'],
    ['struct missing field', () => S.encode({ name: 'a', key: ok.key } as any), TypeError, 'field "age": "int" expected integer'],
    ['struct field wrong type', () => S.encode({ ...ok, name: 5 } as any), TypeError, 'field "name": "string" expected string, got 5'],
    [
      'fixedBytes wrong length',
      () => S.encode({ ...ok, key: new Uint8Array(3) }),
      RangeError,
      'field "key": "fixedBytes" expected Uint8Array of length 4, got length=3',
    ],
    ['int not safe', () => bp.int.encode(2 ** 53), RangeError, '"int" expected integer in -(2^53-1)..2^53-1, got 9007199254740992'],
    ['int NaN', () => bp.int.encode(Number.NaN), TypeError, '"int"'],
    ['int bigint', () => bp.int.encode(1n as any), TypeError, '"int" expected number integer'],
    ['uint negative', () => bp.uint.encode(-1), RangeError, '"uint"'],
    ['list not array', () => bp.list(bp.u8).encode('ab' as any), TypeError, '"list" expected an array, got string "ab"'],
    ['list bad item', () => bp.list(bp.u8).encode([1, 2, 300]), RangeError, 'item [2]: "u8"'],
    ['tuple wrong length', () => bp.tuple(bp.u8, bp.u8).encode([1] as any), RangeError, 'length 2, got length=1'],
    ['tuple not array', () => bp.tuple(bp.u8).encode(1 as any), TypeError, '"tuple" expected an array'],
    ['map not Map', () => bp.map(bp.string, bp.u8).encode({ a: 1 } as any), TypeError, '"map" expected a Map, got object Object'],
    ['map bad value', () => bp.map(bp.string, bp.u8).encode(new Map([['k', -1]])), RangeError, 'entry string "k": "u8"'],
    ['enum unknown', () => bp.enumOf(['a', 'b']).encode('c' as any), RangeError, '"enum" expected one of a, b; got "c"'],
    ['enum not string', () => bp.enumOf(['a']).encode(1 as any), TypeError, '"enum" expected string'],
    ['union null', () => bp.union({ a: bp.unit }).encode(null as any), TypeError, '"union"'],
    ['union unknown type', () => bp.union({ a: bp.unit }).encode({ type: 'b' } as any), RangeError, 'expected type one of a; got string "b"'],
    ['union bad body', () => bp.union({ a: bp.u8 }).encode({ type: 'a', value: 'x' } as any), TypeError, 'variant "a": "u8"'],
    ['date not Date', () => bp.date.encode(0 as any), TypeError, '"date" expected Date, got 0'],
    ['date invalid', () => bp.date.encode(new Date(Number.NaN)), RangeError, 'Invalid Date'],
    ['bigint too big', () => bp.bigint.encode(2n ** 63n), RangeError, '"signed"'],
    ['u64 negative', () => bp.u64.encode(-1n), RangeError, '"u64"'],
  ]
  it.each(cases)('%s', (_, fn, ctor, msg) => {
    expect(fn).toThrow(ctor)
    expect(fn).toThrow(msg)
  })

  it('a failed encode does not poison the next one', () => {
    expect(() => S.encode({ ...ok, age: 1.5 })).toThrow(TypeError)
    expect(S.decode(S.encode(ok))).toEqual(ok)
  })
})
