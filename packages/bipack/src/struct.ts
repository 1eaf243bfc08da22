import { describe, typeError } from './assert.js'
import { OP, opOf, readOp, writeOp } from './fast-ops.js'
import type { BipackReader } from './reader.js'
import { type AnySchema, assertSchema, BaseSchema, type Infer, minSizeOf, type Schema, type Simplify } from './schema.js'
import type { BipackWriter } from './writer.js'

/** Field map of a struct: name → schema, in wire order. */
export type Fields = Record<string, AnySchema>

/** A field schema that makes its key optional: an {@link OptionalField} (by its `kind`). */
type IsOptionalField<S> = S extends { readonly kind: 'optionalField' } ? true : false

/**
 * Decoded type of a struct with the given fields: `key: T` for each field, `key?: T | undefined`
 * for an `optionalField`.
 */
export type StructValue<F extends Fields> = Simplify<
  { -readonly [K in keyof F as IsOptionalField<F[K]> extends true ? never : K]: Infer<F[K]> } & {
    -readonly [K in keyof F as IsOptionalField<F[K]> extends true ? K : never]?: Infer<F[K]>
  }
>

const INDEX_KEY = /^(0|[1-9][0-9]*)$/

/** Re-throws a write error with the field path prepended, keeping its type. */
export function withPath(e: unknown, path: string): unknown {
  if (e instanceof TypeError) return new TypeError(`${path}: ${e.message}`, { cause: e })
  if (e instanceof RangeError) return new RangeError(`${path}: ${e.message}`, { cause: e })
  return e
}

class StructSchema<F extends Fields> extends BaseSchema<StructValue<F>> {
  readonly kind = 'struct'
  readonly minSize: number
  /** Field names in wire order. */
  readonly names: readonly string[]
  /** Field schemas, parallel to `names`. */
  readonly schemas: readonly AnySchema[]
  private readonly ops: readonly number[]

  constructor(readonly fields: F) {
    super()
    const names = Object.keys(fields)
    let min = 0
    for (const name of names) {
      // JavaScript lists integer-like keys first, whatever the declaration order.
      if (INDEX_KEY.test(name)) throw new TypeError(`"fields" key "${name}" is integer-like; JavaScript would reorder it`)
      // Assigning it on the decoded object would replace the object's prototype.
      if (name === '__proto__') throw new TypeError('"fields" key "__proto__" is not allowed')
      const s = fields[name]
      assertSchema(s, `fields.${name}`)
      min += minSizeOf(s)
    }
    this.names = names
    this.schemas = names.map((n) => fields[n]!)
    this.ops = this.schemas.map(opOf)
    this.minSize = min
  }

  write(w: BipackWriter, value: StructValue<F>): void {
    if (typeof value !== 'object' || value === null) throw typeError('struct', 'an object', value)
    const names = this.names
    const schemas = this.schemas
    const ops = this.ops
    const n = names.length
    let i = 0
    try {
      for (; i < n; i++) writeOp(w, ops[i]!, schemas[i]!, (value as any)[names[i]!])
    } catch (e) {
      throw withPath(e, `field "${names[i]}"`)
    }
  }

  read(r: BipackReader): StructValue<F> {
    const names = this.names
    const schemas = this.schemas
    const n = names.length
    const ops = this.ops
    const o: any = {}
    for (let i = 0; i < n; i++) {
      // readOp inlined by hand: V8 declines to inline it here, and this loop is the hot path.
      let v: unknown
      switch (ops[i]) {
        case OP.STRING:
          v = r.string()
          break
        case OP.INT:
          v = r.signed()
          break
        case OP.UINT:
          v = r.unsigned()
          break
        case OP.BOOL:
          v = r.bool()
          break
        case OP.GENERIC:
          v = schemas[i]!.read(r)
          break
        case OP.OPTIONAL_FIELD:
          v = schemas[i]!.read(r)
          if (v === undefined) continue // absent: leave the key out
          break
        default:
          v = readOp(r, ops[i]!, schemas[i]!)
      }
      o[names[i]!] = v
    }
    return o
  }
}

/**
 * Fields written in declaration order with no names on the wire (kotlinx `@Serializable` class).
 * Integer-like field names are rejected, because JavaScript would reorder them. A field made
 * with `optionalField` may be left out (`key?: T`); decoding leaves its key out when absent.
 *
 * @example
 * const user = bp.struct({ name: bp.string, age: bp.int, tags: bp.list(bp.string) })
 * type User = bp.Infer<typeof user> // { name: string; age: number; tags: string[] }
 */
export function struct<const F extends Fields>(fields: F): Schema<StructValue<F>> {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) throw typeError('fields', 'an object of schemas', fields)
  return new StructSchema(fields)
}

/** Decoded type of a tuple of schemas. */
export type TupleValue<S extends readonly AnySchema[]> = { -readonly [K in keyof S]: Infer<S[K]> }

class TupleSchema<S extends readonly AnySchema[]> extends BaseSchema<TupleValue<S>> {
  readonly kind = 'tuple'
  readonly minSize: number
  private readonly ops: readonly number[]
  constructor(readonly items: S) {
    super()
    let min = 0
    items.forEach((s, i) => {
      assertSchema(s, `items[${i}]`)
      min += minSizeOf(s)
    })
    this.ops = items.map(opOf)
    this.minSize = min
  }

  write(w: BipackWriter, value: TupleValue<S>): void {
    const items = this.items
    const n = items.length
    if (!Array.isArray(value) || value.length !== n) {
      if (Array.isArray(value)) throw new RangeError(`"tuple" expected an array of length ${n}, got length=${value.length}`)
      throw new TypeError(`"tuple" expected an array of length ${n}, got ${describe(value)}`)
    }
    let i = 0
    try {
      for (; i < n; i++) writeOp(w, this.ops[i]!, items[i]!, value[i])
    } catch (e) {
      throw withPath(e, `item [${i}]`)
    }
  }

  read(r: BipackReader): TupleValue<S> {
    const items = this.items
    const n = items.length
    const out = new Array(n)
    for (let i = 0; i < n; i++) out[i] = readOp(r, this.ops[i]!, items[i]!)
    return out as TupleValue<S>
  }
}

/**
 * Fixed sequence of differently typed items, written in order (Kotlin `Pair`/`Triple`).
 *
 * @example const pair = bp.tuple(bp.string, bp.int) // Schema<[string, number]>
 */
export function tuple<const S extends readonly AnySchema[]>(...items: S): Schema<TupleValue<S>> {
  return new TupleSchema(items)
}

/**
 * How many bytes at the end of `schema`'s encoding of `value` are absent trailing optional
 * fields (`optionalField`s, each written as one `00` byte, after the last field that is
 * present): a writer that leaves them out of a top-level message sends exactly what a peer
 * without those fields sends, and a reader reads fields missing at the end of the input as
 * absent. This is how a message's struct gains optional fields without breaking older peers.
 * 0 for anything but a struct.
 * @example
 * const User = bp.struct({ name: bp.string, email: bp.optionalField(bp.string) })
 * const bytes = User.encode({ name: 'ann' })
 * bytes.subarray(0, bytes.length - bp.absentTail(User, { name: 'ann' }))  // = the bytes of { name: 'ann' } in the old schema
 */
export function absentTail<T>(schema: Schema<T>, value: T): number {
  if (!(schema instanceof StructSchema) || typeof value !== 'object' || value === null) return 0
  const names = schema.names
  const schemas = schema.schemas
  let n = 0
  for (let i = names.length - 1; i >= 0; i--) {
    if (schemas[i]!.kind !== 'optionalField') break
    const v = (value as Record<string, unknown>)[names[i]!]
    if (v !== undefined && v !== null) break
    n++
  }
  return n
}
