// Schema/value generators shared by the property tests.
import * as bp from '@kp/bipack'
import fc from 'fast-check'

export interface Case {
  name: string
  schema: bp.AnySchema
  arb: fc.Arbitrary<unknown>
}

const U64_MAX = 2n ** 64n - 1n
const S63 = 2n ** 63n - 1n

const Shape = bp.union({
  circle: bp.struct({ r: bp.f64 }),
  square: bp.struct({ side: bp.u32, label: bp.optional(bp.string) }),
  none: bp.unit,
})

export interface Tree {
  name: string
  children: Tree[]
}
export const TreeSchema: bp.Schema<Tree> = bp.struct({ name: bp.string, children: bp.list(bp.lazy(() => TreeSchema)) })
const treeArb: fc.Arbitrary<Tree> = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.record({
    name: fc.string({ maxLength: 5 }),
    children: fc.oneof({ maxDepth: 4, depthIdentifier: 'tree' }, fc.constant([] as Tree[]), fc.array(tie('tree'), { maxLength: 3 })),
  }),
})).tree

const mapArb = <K, V>(k: fc.Arbitrary<K>, v: fc.Arbitrary<V>) => fc.uniqueArray(fc.tuple(k, v), { selector: (e) => e[0], maxLength: 8 }).map((e) => new Map(e))

/** One case per schema kind, plus a few nested ones. */
export const CASES: Case[] = [
  { name: 'unit', schema: bp.unit, arb: fc.constant(undefined) },
  { name: 'bool', schema: bp.bool, arb: fc.boolean() },
  { name: 'u8', schema: bp.u8, arb: fc.integer({ min: 0, max: 255 }) },
  { name: 'u16', schema: bp.u16, arb: fc.integer({ min: 0, max: 65535 }) },
  { name: 'u32', schema: bp.u32, arb: fc.integer({ min: 0, max: 2 ** 32 - 1 }) },
  { name: 'u64', schema: bp.u64, arb: fc.bigInt({ min: 0n, max: U64_MAX }) },
  { name: 'i8', schema: bp.i8, arb: fc.integer({ min: -128, max: 127 }) },
  { name: 'i16', schema: bp.i16, arb: fc.integer({ min: -32768, max: 32767 }) },
  { name: 'i32', schema: bp.i32, arb: fc.integer() },
  { name: 'i64', schema: bp.i64, arb: fc.bigInt({ min: -(2n ** 63n), max: S63 }) },
  { name: 'f32', schema: bp.f32, arb: fc.float() },
  { name: 'f64', schema: bp.f64, arb: fc.double() },
  { name: 'int', schema: bp.int, arb: fc.maxSafeInteger() },
  { name: 'uint', schema: bp.uint, arb: fc.maxSafeNat() },
  { name: 'bigint', schema: bp.bigint, arb: fc.bigInt({ min: -S63, max: S63 }) },
  { name: 'date', schema: bp.date, arb: fc.date({ noInvalidDate: true }) },
  { name: 'string', schema: bp.string, arb: fc.string({ unit: 'binary' }) },
  { name: 'string (long)', schema: bp.string, arb: fc.string({ unit: 'binary', minLength: 20, maxLength: 400 }) },
  { name: 'string (ascii)', schema: bp.string, arb: fc.string({ unit: 'binary-ascii', maxLength: 100 }) },
  { name: 'bytes', schema: bp.bytes, arb: fc.uint8Array({ maxLength: 100 }) },
  { name: 'fixedBytes(5)', schema: bp.fixedBytes(5), arb: fc.uint8Array({ minLength: 5, maxLength: 5 }) },
  {
    name: 'struct',
    schema: bp.struct({ a: bp.string, b: bp.int, c: bp.bool, d: bp.u8, e: bp.f64 }),
    arb: fc.record({ a: fc.string(), b: fc.maxSafeInteger(), c: fc.boolean(), d: fc.integer({ min: 0, max: 255 }), e: fc.double() }),
  },
  { name: 'tuple', schema: bp.tuple(bp.string, bp.uint, bp.i64), arb: fc.tuple(fc.string(), fc.maxSafeNat(), fc.bigInt({ min: -(2n ** 63n), max: S63 })) },
  { name: 'list', schema: bp.list(bp.int), arb: fc.array(fc.maxSafeInteger()) },
  { name: 'list(unit)', schema: bp.list(bp.unit), arb: fc.array(fc.constant(undefined)) },
  { name: 'map', schema: bp.map(bp.string, bp.u32), arb: mapArb(fc.string(), fc.integer({ min: 0, max: 2 ** 32 - 1 })) },
  { name: 'optional', schema: bp.optional(bp.string), arb: fc.option(fc.string(), { nil: null }) },
  { name: 'enumOf', schema: bp.enumOf(['red', 'green', 'blue']), arb: fc.constantFrom('red', 'green', 'blue') },
  {
    name: 'union',
    schema: Shape,
    arb: fc.oneof(
      fc.record({ type: fc.constant('circle'), value: fc.record({ r: fc.double() }) }),
      fc.record({
        type: fc.constant('square'),
        value: fc.record({ side: fc.integer({ min: 0, max: 2 ** 32 - 1 }), label: fc.option(fc.string(), { nil: null }) }),
      }),
      fc.record({ type: fc.constant('none'), value: fc.constant(undefined) }),
    ),
  },
  { name: 'lazy (tree)', schema: TreeSchema, arb: treeArb },
  {
    name: 'nested',
    schema: bp.struct({
      id: bp.uint,
      tags: bp.map(bp.string, bp.list(bp.optional(bp.tuple(bp.bool, bp.bytes)))),
      when: bp.optional(bp.date),
      shape: bp.list(Shape),
    }),
    arb: fc.record({
      id: fc.maxSafeNat(),
      tags: mapArb(fc.string(), fc.array(fc.option(fc.tuple(fc.boolean(), fc.uint8Array({ maxLength: 4 })), { nil: null }), { maxLength: 3 })),
      when: fc.option(fc.date({ noInvalidDate: true }), { nil: null }),
      shape: fc.array(fc.constant({ type: 'circle', value: { r: 0.5 } }), { maxLength: 3 }),
    }),
  },
  {
    name: 'struct with optionalField',
    schema: bp.struct({ a: bp.string, nick: bp.optionalField(bp.string), n: bp.optionalField(bp.int), tree: bp.optionalField(TreeSchema) }),
    arb: fc.record({ a: fc.string(), nick: fc.string(), n: fc.maxSafeInteger(), tree: treeArb }, { requiredKeys: ['a'] }),
  },
]

// Random schema trees: a descriptor is generated first, then values for the schema it builds.
type Desc =
  | { k: 'prim'; i: number }
  | { k: 'list' | 'optional'; item: Desc }
  | { k: 'map'; key: number; value: Desc }
  | { k: 'struct' | 'tuple' | 'union'; items: Desc[] }

const PRIMS = CASES.slice(0, 21)
const KEYS = [CASES[6]!, CASES[12]!, CASES[16]!] // i8, int, string: Map keys compared by value

const descArb: fc.Arbitrary<Desc> = fc.letrec<{ desc: Desc }>((tie) => ({
  desc: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    fc.record({ k: fc.constant('prim' as const), i: fc.nat(PRIMS.length - 1) }),
    fc.record({ k: fc.constantFrom('list' as const, 'optional' as const), item: tie('desc') }),
    fc.record({ k: fc.constant('map' as const), key: fc.nat(KEYS.length - 1), value: tie('desc') }),
    fc.record({ k: fc.constantFrom('struct' as const, 'tuple' as const, 'union' as const), items: fc.array(tie('desc'), { minLength: 1, maxLength: 4 }) }),
  ),
})).desc

export function build(d: Desc): { schema: bp.AnySchema; arb: fc.Arbitrary<unknown> } {
  switch (d.k) {
    case 'prim':
      return PRIMS[d.i]!
    case 'list': {
      const c = build(d.item)
      return { schema: bp.list(c.schema), arb: fc.array(c.arb, { maxLength: 4 }) }
    }
    case 'optional': {
      const c = build(d.item)
      // optional(unit) cannot tell undefined (present) from null (absent) on write
      if (c.schema.kind === 'unit') return { schema: bp.optional(c.schema), arb: fc.constant(null) }
      return { schema: bp.optional(c.schema), arb: fc.option(c.arb, { nil: null }) }
    }
    case 'map': {
      const k = KEYS[d.key]!
      const v = build(d.value)
      return { schema: bp.map(k.schema, v.schema), arb: mapArb(k.arb, v.arb) }
    }
    case 'struct': {
      const cs = d.items.map(build)
      const fields = Object.fromEntries(cs.map((c, i) => [`f${i}`, c.schema]))
      const arbs = Object.fromEntries(cs.map((c, i) => [`f${i}`, c.arb]))
      return { schema: bp.struct(fields), arb: fc.record(arbs) }
    }
    case 'tuple': {
      const cs = d.items.map(build)
      return { schema: bp.tuple(...cs.map((c) => c.schema)), arb: fc.tuple(...cs.map((c) => c.arb)) }
    }
    case 'union': {
      const cs = d.items.map(build)
      const variants = Object.fromEntries(cs.map((c, i) => [`v${i}`, c.schema]))
      return {
        schema: bp.union(variants),
        arb: fc.oneof(...cs.map((c, i) => c.arb.map((value) => ({ type: `v${i}`, value })))),
      }
    }
  }
}

/** A random schema together with a value it accepts. */
export const schemaAndValue: fc.Arbitrary<{ schema: bp.AnySchema; value: unknown }> = descArb.chain((d) => {
  const { schema, arb } = build(d)
  return arb.map((value) => ({ schema, value }))
})
