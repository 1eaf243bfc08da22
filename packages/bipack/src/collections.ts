import { describe, typeError } from './assert.js'
import { OP, opOf, readOp, writeOp } from './fast-ops.js'
import { BipackError } from './errors.js'
import type { BipackReader } from './reader.js'
import { type AnySchema, assertSchema, BaseSchema, checkCount, type Infer, minSizeOf, type Schema } from './schema.js'
import { withPath } from './struct.js'
import type { BipackWriter } from './writer.js'

class ListSchema<S extends AnySchema> extends BaseSchema<Infer<S>[]> {
  readonly kind = 'list'
  readonly minSize = 1
  private readonly op: number
  constructor(readonly item: S) {
    super()
    this.op = opOf(item)
  }

  write(w: BipackWriter, value: readonly Infer<S>[]): void {
    if (!Array.isArray(value)) throw typeError('list', 'an array', value)
    const item = this.item
    const op = this.op
    const n = value.length
    w.unsigned(n)
    let i = 0
    try {
      for (; i < n; i++) writeOp(w, op, item, value[i])
    } catch (e) {
      throw withPath(e, `item [${i}]`)
    }
  }

  read(r: BipackReader): Infer<S>[] {
    const at = r.offset
    const n = r.unsigned()
    checkCount(r, n, minSizeOf(this.item), at)
    const item = this.item
    const op = this.op
    const out: Infer<S>[] = []
    if (op === OP.GENERIC) for (let i = 0; i < n; i++) out.push(item.read(r))
    else for (let i = 0; i < n; i++) out.push(readOp(r, op, item) as Infer<S>)
    return out
  }
}

/**
 * Smartint count, then the items (Kotlin `List`).
 *
 * @example const names = bp.list(bp.string) // Schema<string[]>
 */
export function list<S extends AnySchema>(item: S): Schema<Infer<S>[]> {
  assertSchema(item, 'item')
  return new ListSchema(item)
}

class MapSchema<K extends AnySchema, V extends AnySchema> extends BaseSchema<Map<Infer<K>, Infer<V>>> {
  readonly kind = 'map'
  readonly minSize = 1
  private readonly pairSize: number
  constructor(
    readonly key: K,
    readonly value: V,
  ) {
    super()
    this.pairSize = minSizeOf(key) + minSizeOf(value)
  }

  write(w: BipackWriter, m: ReadonlyMap<Infer<K>, Infer<V>>): void {
    if (!(m instanceof Map)) throw typeError('map', 'a Map', m)
    w.unsigned(m.size)
    const ks = this.key
    const vs = this.value
    for (const [k, v] of m) {
      try {
        ks.write(w, k)
        vs.write(w, v)
      } catch (e) {
        throw withPath(e, `entry ${describe(k)}`)
      }
    }
  }

  read(r: BipackReader): Map<Infer<K>, Infer<V>> {
    const at = r.offset
    const n = r.unsigned()
    checkCount(r, n, this.pairSize, at)
    const ks = this.key
    const vs = this.value
    const m = new Map<Infer<K>, Infer<V>>()
    for (let i = 0; i < n; i++) {
      const ko = r.offset
      const k = ks.read(r)
      m.set(k, vs.read(r))
      if (m.size !== i + 1) throw new BipackError('duplicate map key', ko)
    }
    return m
  }
}

/**
 * Smartint count, then key, value pairs; decodes to a `Map` (Kotlin `Map`). Duplicate keys
 * (by `Map` identity: equal primitives) fail to decode.
 *
 * @example const scores = bp.map(bp.string, bp.int) // Schema<Map<string, number>>
 */
export function map<K extends AnySchema, V extends AnySchema>(key: K, value: V): Schema<Map<Infer<K>, Infer<V>>> {
  assertSchema(key, 'key')
  assertSchema(value, 'value')
  return new MapSchema(key, value)
}

class OptionalSchema<S extends AnySchema> extends BaseSchema<Infer<S> | null> {
  readonly kind = 'optional'
  readonly minSize = 1
  constructor(readonly item: S) {
    super()
  }

  write(w: BipackWriter, v: Infer<S> | null | undefined): void {
    if (v === null || v === undefined) {
      w.u8(0)
    } else {
      w.u8(1)
      this.item.write(w, v)
    }
  }

  read(r: BipackReader): Infer<S> | null {
    return r.bool() ? this.item.read(r) : null
  }
}

/**
 * One presence byte (0 or 1), then the value if present (Kotlin nullable `T?`). Writes `null`
 * (and, at run time, `undefined`) as absent; reads absent as `null`.
 *
 * @example const nick = bp.optional(bp.string) // Schema<string | null>
 */
export function optional<S extends AnySchema>(item: S): Schema<Infer<S> | null> {
  assertSchema(item, 'item')
  return new OptionalSchema(item)
}

/**
 * A schema whose struct field may be left out: inside {@link struct} it makes the key optional
 * (`field?: T | undefined`). Made by {@link optionalField}; recognised by its `kind`.
 */
export interface OptionalField<T> extends Schema<T | undefined> {
  readonly kind: 'optionalField'
  /** The schema of the value when it is present. */
  readonly item: Schema<T>
}

class OptionalFieldSchema<T> extends BaseSchema<T | undefined> implements OptionalField<T> {
  readonly kind = 'optionalField'
  readonly minSize = 1
  constructor(readonly item: Schema<T>) {
    super()
  }

  write(w: BipackWriter, v: T | null | undefined): void {
    if (v === undefined || v === null) {
      w.u8(0)
    } else {
      w.u8(1)
      this.item.write(w, v)
    }
  }

  read(r: BipackReader): T | undefined {
    // at the very end of the input the field is absent: an older peer's message that ends
    // before the optional fields appended since (PROTOCOL.md 6, API evolution)
    if (r.remaining === 0) return undefined
    return r.bool() ? this.item.read(r) : undefined
  }
}

/**
 * A struct field that may be left out (zod's `.optional()`, Kotlin `T? = null`):
 * `bp.struct({ name: bp.string, nick: bp.optionalField(bp.string) })` is
 * `{ name: string; nick?: string | undefined }`. Same bytes as {@link optional}: one presence byte
 * (0 or 1), then the value if present, so a field can move between the two without breaking
 * peers. Writes a missing key or `undefined` (and, at run time, `null`) as absent; a struct
 * decodes absent as a missing key. Outside a struct it is `Schema<T | undefined>`.
 *
 * @example
 * const user = bp.struct({ name: bp.string, nick: bp.optionalField(bp.string) })
 * user.encode({ name: 'ann' }) // 0c 61 6e 6e 00
 * user.decode(user.encode({ name: 'ann' })) // { name: 'ann' } (no `nick` key)
 */
export function optionalField<T>(item: Schema<T>): OptionalField<T> {
  assertSchema(item, 'item')
  return new OptionalFieldSchema(item)
}
