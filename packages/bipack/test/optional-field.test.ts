// `optionalField`: a struct key that may be left out, with the bytes of `optional`.
import * as bp from '@kp/bipack'
import { describe, expect, it } from 'vitest'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

const Profile = bp.struct({ name: bp.string, nick: bp.optionalField(bp.string), age: bp.optionalField(bp.u8) })
const Nullable = bp.struct({ name: bp.string, nick: bp.optional(bp.string), age: bp.optional(bp.u8) })

describe('optionalField', () => {
  it('writes a presence byte, then the value: the bytes of optional', () => {
    expect(hex(Profile.encode({ name: 'ann' }))).toBe('0c616e6e0000')
    expect(hex(Profile.encode({ name: 'ann', nick: 'a', age: 7 }))).toBe('0c616e6e01046101' + '07')
    expect(hex(Profile.encode({ name: 'ann', nick: 'a' }))).toBe(hex(Nullable.encode({ name: 'ann', nick: 'a', age: null })))
    expect(hex(Profile.encode({ name: 'ann', age: 7 }))).toBe(hex(Nullable.encode({ name: 'ann', nick: null, age: 7 })))
  })

  it('decodes an absent field as a missing key, a present one as its value', () => {
    const absent = Profile.decode(Profile.encode({ name: 'ann' }))
    expect(absent).toStrictEqual({ name: 'ann' })
    expect('nick' in absent).toBe(false)
    expect(Profile.decode(Profile.encode({ name: 'ann', age: 0 }))).toStrictEqual({ name: 'ann', age: 0 })
    expect(Profile.decode(Profile.encode({ name: '', nick: '', age: 255 }))).toStrictEqual({ name: '', nick: '', age: 255 })
  })

  it('writes a missing key, undefined and (at run time) null as absent', () => {
    const absent = '0c616e6e0000'
    expect(hex(Profile.encode({ name: 'ann', nick: undefined, age: undefined }))).toBe(absent)
    expect(hex(Profile.encode({ name: 'ann', nick: null, age: null } as never))).toBe(absent)
  })

  it('interoperates with optional both ways (a field may move between them)', () => {
    expect(Nullable.decode(Profile.encode({ name: 'ann', age: 7 }))).toStrictEqual({ name: 'ann', nick: null, age: 7 })
    expect(Profile.decode(Nullable.encode({ name: 'ann', nick: 'a', age: null }))).toStrictEqual({ name: 'ann', nick: 'a' })
  })

  it('outside a struct it is a schema of T | undefined', () => {
    const s = bp.optionalField(bp.u8)
    expect(hex(s.encode(undefined))).toBe('00')
    expect(s.decode(new Uint8Array([0]))).toBeUndefined()
    expect(s.decode(new Uint8Array([1, 9]))).toBe(9)
    expect(bp.list(s).decode(bp.list(s).encode([1, undefined, 3]))).toStrictEqual([1, undefined, 3])
    expect(bp.tuple(bp.string, s).decode(bp.tuple(bp.string, s).encode(['a', undefined]))).toStrictEqual(['a', undefined])
    expect(s.kind).toBe('optionalField')
    expect(s.minSize).toBe(1)
  })

  it('decodes strictly: the presence byte must be 00 or 01; only at the very end of the input may the fields be missing', () => {
    expect(() => Profile.decode(new Uint8Array([0x0c, 0x61, 0x6e, 0x6e, 2, 0]))).toThrow(/invalid bool byte 0x02 at offset 4/)
    // a value announced present must be there
    expect(() => Profile.decode(new Uint8Array([0x0c, 0x61, 0x6e, 0x6e, 1]))).toThrow(bp.BipackError)
    // the input ends where the optional fields would start: an older peer's message, both absent
    expect(Profile.decode(new Uint8Array([0x0c, 0x61, 0x6e, 0x6e]))).toStrictEqual({ name: 'ann' })
    // one present, the next missing at the end: absent
    expect(Object.keys(Profile.decode(new Uint8Array([0x0c, 0x61, 0x6e, 0x6e, 0])))).toEqual(['name'])
  })

  it('a present value with a wrong type fails with the field path', () => {
    expect(() => Profile.encode({ name: 'ann', age: 300 })).toThrow(RangeError)
    expect(() => Profile.encode({ name: 'ann', age: 300 })).toThrow(/^field "age": /)
    expect(() => Profile.encode({ name: 'ann', nick: 5 } as never)).toThrow(TypeError)
  })

  it('rejects a non-schema item', () => {
    expect(() => bp.optionalField({} as never)).toThrow(TypeError)
    expect(() => bp.optionalField({} as never)).toThrow(/"item"/)
  })
})
