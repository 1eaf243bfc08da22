// What peers on two versions of a schema see of each other's messages. Bipack is positional
// (no names, no tags on the wire) and `decode` is strict (nothing left over). Two rules make
// "append optional fields at the end" work: a writer leaves absent trailing optional fields out
// of a top-level message (`absentTail`, as Kiloparsec does for every command message), and a
// reader reads optional fields missing at the very end of the input as absent.
// These tests hold the rules the README's "Evolving a schema" section states.
import * as bp from '@kp/bipack'
import { describe, expect, it } from 'vitest'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

// Version 1, and version 2 with one optional field appended at the end.
const UserV1 = bp.struct({ name: bp.string, age: bp.int })
const UserV2 = bp.struct({ name: bp.string, age: bp.int, email: bp.optionalField(bp.string) })

describe('an appended optional field', () => {
  it('old reader, new message: decode fails on the trailing byte(s), even when the field is absent', () => {
    const absent = UserV2.encode({ name: 'ann', age: 30 })
    expect(hex(absent)).toBe(hex(UserV1.encode({ name: 'ann', age: 30 })) + '00') // one presence byte more
    expect(() => UserV1.decode(absent)).toThrow(bp.BipackError)
    expect(() => UserV1.decode(absent)).toThrow(/1 trailing byte\(s\) after the value/)
    const present = UserV2.encode({ name: 'ann', age: 30, email: 'a@b' })
    expect(() => UserV1.decode(present)).toThrow(/5 trailing byte\(s\) after the value/)
  })

  it('old reader, new message: the old fields are an intact prefix (a reader that stops there reads them)', () => {
    const r = new bp.BipackReader(UserV2.encode({ name: 'ann', age: 30, email: 'a@b' }))
    expect(UserV1.read(r)).toStrictEqual({ name: 'ann', age: 30 })
    expect(r.remaining).toBe(5)
  })

  it('old reader, new message with the field absent: the writer leaves the absent tail out, the bytes are the old ones', () => {
    const value = { name: 'ann', age: 30 }
    const bytes = UserV2.encode(value)
    const trimmed = bytes.subarray(0, bytes.length - bp.absentTail(UserV2, value))
    expect(hex(trimmed)).toBe(hex(UserV1.encode(value)))
    expect(UserV1.decode(trimmed)).toStrictEqual(value)
    // present: the old reader refuses it (strict); readers must be upgraded before writers send it
    const present = { name: 'ann', age: 30, email: 'a@b' }
    expect(bp.absentTail(UserV2, present)).toBe(0)
    expect(() => UserV1.decode(UserV2.encode(present))).toThrow(/trailing byte/)
  })

  it('new reader, old message: the optional field missing at the end of the input is absent', () => {
    const old = UserV1.encode({ name: 'ann', age: 30 })
    expect(UserV2.decode(old)).toStrictEqual({ name: 'ann', age: 30 })
    expect('email' in UserV2.decode(old)).toBe(false)
  })

  it('a required field appended at the end still breaks new readers of old messages', () => {
    const V2required = bp.struct({ name: bp.string, age: bp.int, email: bp.string })
    expect(() => V2required.decode(UserV1.encode({ name: 'ann', age: 30 }))).toThrow(/at offset 5/)
  })

  it('the same field nested in a list breaks the items after it too', () => {
    const bytes = bp.list(UserV2).encode([
      { name: 'a', age: 1 },
      { name: 'b', age: 2 },
    ])
    expect(() => bp.list(UserV1).decode(bytes)).toThrow(bp.BipackError)
  })
})

describe('changes that keep the bytes', () => {
  it('renaming a field: the old reader gets the value under its own name', () => {
    const Renamed = bp.struct({ fullName: bp.string, age: bp.int })
    expect(UserV1.decode(Renamed.encode({ fullName: 'ann', age: 30 }))).toStrictEqual({ name: 'ann', age: 30 })
  })

  it('optional <-> optionalField: the same bytes', () => {
    const Nullable = bp.struct({ name: bp.string, age: bp.int, email: bp.optional(bp.string) })
    expect(hex(Nullable.encode({ name: 'ann', age: 30, email: null }))).toBe(hex(UserV2.encode({ name: 'ann', age: 30 })))
    expect(UserV2.decode(Nullable.encode({ name: 'ann', age: 30, email: 'a@b' }))).toStrictEqual({ name: 'ann', age: 30, email: 'a@b' })
  })

  it('renaming enum values and union variants: only positions travel', () => {
    const v1 = bp.enumOf(['red', 'green'])
    const v2 = bp.enumOf(['crimson', 'green'])
    expect(v1.decode(v2.encode('crimson'))).toBe('red')
  })
})

describe('changes that break', () => {
  it('reordering same-typed fields swaps the values silently', () => {
    const Name = bp.struct({ first: bp.string, last: bp.string })
    const Reordered = bp.struct({ last: bp.string, first: bp.string })
    expect(Name.decode(Reordered.encode({ last: 'Lovelace', first: 'Ada' }))).toStrictEqual({ first: 'Lovelace', last: 'Ada' })
  })

  it('changing a field type: fails, or worse, reads another value', () => {
    const AgeAsU8 = bp.struct({ name: bp.string, age: bp.u8 })
    // int 30 is the signed smartint 0xf0: read as u8 it is 240, and nothing fails.
    expect(AgeAsU8.decode(UserV1.encode({ name: 'ann', age: 30 }))).toStrictEqual({ name: 'ann', age: 240 })
  })

  it('an appended enum value: old readers fail on it, and only on it', () => {
    const v1 = bp.enumOf(['red', 'green'])
    const v2 = bp.enumOf(['red', 'green', 'blue'])
    expect(v1.decode(v2.encode('green'))).toBe('green')
    expect(() => v1.decode(v2.encode('blue'))).toThrow(/enum ordinal 2 out of range 0..1/)
  })

  it('an inserted enum value shifts the ones after it', () => {
    const v1 = bp.enumOf(['red', 'green'])
    const v2 = bp.enumOf(['red', 'blue', 'green'])
    expect(v1.decode(v2.encode('blue'))).toBe('green')
  })

  it('an appended union variant: old readers fail on it, and only on it', () => {
    const v1 = bp.union({ circle: bp.f64 })
    const v2 = bp.union({ circle: bp.f64, square: bp.u16 })
    expect(v1.decode(v2.encode({ type: 'circle', value: 1 }))).toStrictEqual({ type: 'circle', value: 1 })
    expect(() => v1.decode(v2.encode({ type: 'square', value: 1 }))).toThrow(/union tag 1 out of range 0..0/)
  })
})
