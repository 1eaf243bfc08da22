// Type tests for the schemas: compiled by `tsc --noEmit` (the `typecheck` script, part of
// `pnpm test`), never run. Each `@ts-expect-error` must meet an error on the line below it,
// or tsc fails: a type hole that reopens breaks the build.
import * as bp from '@kp/bipack'
import { expectTypeOf } from 'vitest'

// ---------------------------------------------------------------- Infer, for every kind

const User = bp.struct({ name: bp.string, age: bp.int })
type User = bp.Infer<typeof User>
expectTypeOf<User>().toEqualTypeOf<{ name: string; age: number }>()

expectTypeOf<bp.Infer<typeof bp.unit>>().toEqualTypeOf<undefined>()
expectTypeOf<bp.Infer<typeof bp.u64>>().toEqualTypeOf<bigint>()
expectTypeOf<bp.Infer<typeof bp.bytes>>().toEqualTypeOf<Uint8Array>()
expectTypeOf<bp.Infer<typeof bp.date>>().toEqualTypeOf<Date>()
expectTypeOf<bp.Infer<ReturnType<typeof bp.optional<typeof bp.string>>>>().toEqualTypeOf<string | null>()
expectTypeOf(bp.optional(bp.string)).toEqualTypeOf<bp.Schema<string | null>>()
expectTypeOf(bp.list(User)).toEqualTypeOf<bp.Schema<User[]>>()
expectTypeOf(bp.map(bp.string, bp.list(bp.int))).toEqualTypeOf<bp.Schema<Map<string, number[]>>>()
expectTypeOf(bp.tuple(bp.string, bp.int, bp.bool)).toEqualTypeOf<bp.Schema<[string, number, boolean]>>()
expectTypeOf(bp.enumOf(['red', 'green'])).toEqualTypeOf<bp.Schema<'red' | 'green'>>()
const Shape = bp.union({ circle: bp.struct({ r: bp.f64 }), square: bp.struct({ side: bp.u16 }), none: bp.unit })
expectTypeOf<bp.Infer<typeof Shape>>().toEqualTypeOf<
  { type: 'circle'; value: { r: number } } | { type: 'square'; value: { side: number } } | { type: 'none'; value: undefined }
>()
expectTypeOf(
  bp.transform(
    bp.string,
    (s) => new URL(s),
    (u: URL) => u.href,
  ),
).toEqualTypeOf<bp.Schema<URL>>()
expectTypeOf(bp.custom<[number, number]>({ write: () => {}, read: () => [0, 0] })).toEqualTypeOf<bp.Schema<[number, number]>>()

// A struct of everything, as the README's example.
const Message = bp.struct({
  text: bp.string,
  tags: bp.list(bp.string),
  scores: bp.map(bp.string, bp.int),
  reply: bp.optional(bp.string),
  color: bp.enumOf(['red', 'green', 'blue']),
  shape: Shape,
})
expectTypeOf<bp.Infer<typeof Message>>().toEqualTypeOf<{
  text: string
  tags: string[]
  scores: Map<string, number>
  reply: string | null
  color: 'red' | 'green' | 'blue'
  shape: bp.Infer<typeof Shape>
}>()

// Recursive types: an annotation, checked both ways (the schema must match the interface).
interface Tree {
  name: string
  children: Tree[]
  parent?: Tree | undefined
}
const Tree: bp.Schema<Tree> = bp.struct({
  name: bp.string,
  children: bp.list(bp.lazy(() => Tree)),
  parent: bp.optionalField(bp.lazy(() => Tree)),
})
export const trees = [Tree]

// ---------------------------------------------------------------- optional fields: `key?: T`

const Profile = bp.struct({ name: bp.string, nick: bp.optionalField(bp.string), age: bp.optionalField(bp.int) })
type Profile = bp.Infer<typeof Profile>
expectTypeOf<Profile>().toEqualTypeOf<{ name: string; nick?: string | undefined; age?: number | undefined }>()
expectTypeOf(bp.optionalField(bp.string)).toEqualTypeOf<bp.OptionalField<string>>()
// Outside a struct it is a plain schema of `T | undefined`.
expectTypeOf<bp.Infer<bp.OptionalField<string>>>().toEqualTypeOf<string | undefined>()
expectTypeOf(bp.list(bp.optionalField(bp.int))).toEqualTypeOf<bp.Schema<(number | undefined)[]>>()
expectTypeOf(bp.tuple(bp.string, bp.optionalField(bp.int))).toEqualTypeOf<bp.Schema<[string, number | undefined]>>()

Profile.encode({ name: 'ann' })
Profile.encode({ name: 'ann', nick: 'a', age: 3 })
Profile.encode({ name: 'ann', nick: undefined })
// @ts-expect-error: a present optional field still has its type
Profile.encode({ name: 'ann', age: '3' })
// @ts-expect-error: `name` is not optional
Profile.encode({ nick: 'a' })

// `optional` is a required key that may be null (Kotlin `T?`); `optionalField` may be left out.
const Nullable = bp.struct({ name: bp.string, nick: bp.optional(bp.string) })
Nullable.encode({ name: 'ann', nick: null })
// @ts-expect-error: with `optional` the key must be there (null when absent)
Nullable.encode({ name: 'ann' })

// ---------------------------------------------------------------- schemas are invariant

// @ts-expect-error: the schema writes and reads `age` too; as a Schema<{ name }> it would fail to encode `{ name }`
export const narrowed: bp.Schema<{ name: string }> = User
// @ts-expect-error: an enum schema cannot write any string
export const anyString: bp.Schema<string> = bp.enumOf(['red', 'green'])
// @ts-expect-error: a Schema<string> is no Schema<string | null>: it cannot write null
export const widened: bp.Schema<string | null> = bp.string
// Generic code takes AnySchema.
export const any: bp.AnySchema[] = [User, bp.string, Shape, Profile]

// ---------------------------------------------------------------- values: literals and variables

User.encode({ name: 'ann', age: 3 })
// @ts-expect-error: misses `age`
User.encode({ name: 'ann' })
const partial = { name: 'ann' }
// @ts-expect-error: a variable that misses `age`
User.encode(partial)
expectTypeOf(User.decode(new Uint8Array())).toEqualTypeOf<User>()
Shape.encode({ type: 'circle', value: { r: 1 } })
// @ts-expect-error: the value of another variant
Shape.encode({ type: 'circle', value: { side: 1 } })

// Generic helpers infer `T` from the schema, not from the value.
function roundTrip<T>(schema: bp.Schema<T>, value: T): T {
  return schema.decode(schema.encode(value))
}
expectTypeOf(roundTrip(User, { name: 'ann', age: 3 })).toEqualTypeOf<User>()
// @ts-expect-error: a variable that misses `age`
roundTrip(User, partial)
