import { describe, typeError } from './assert.js'
import { BipackError } from './errors.js'
import type { BipackReader } from './reader.js'
import { type AnySchema, assertSchema, BaseSchema, type Infer, minSizeOf, type Schema } from './schema.js'
import { withPath } from './struct.js'
import type { BipackWriter } from './writer.js'

class EnumSchema<V extends string> extends BaseSchema<V> {
  readonly kind = 'enum'
  readonly minSize = 1
  private readonly index = new Map<string, number>()
  constructor(readonly values: readonly V[]) {
    super()
    values.forEach((v, i) => {
      if (typeof v !== 'string') throw typeError(`values[${i}]`, 'string', v)
      if (this.index.has(v)) throw new TypeError(`"values" has duplicate entry "${v}"`)
      this.index.set(v, i)
    })
  }

  write(w: BipackWriter, v: V): void {
    const i = this.index.get(v)
    if (i === undefined) {
      if (typeof v !== 'string') throw typeError('enum', 'string', v)
      throw new RangeError(`"enum" expected one of ${this.values.join(', ')}; got "${v}"`)
    }
    w.unsigned(i)
  }

  read(r: BipackReader): V {
    const o = r.offset
    const i = r.unsigned()
    const v = this.values[i]
    if (v === undefined) throw new BipackError(`enum ordinal ${i} out of range 0..${this.values.length - 1}`, o)
    return v
  }
}

/**
 * Ordinal as unsigned smartint (Kotlin `enum class`); decodes to the string literal.
 *
 * @example const color = bp.enumOf(['red', 'green', 'blue']) // Schema<'red' | 'green' | 'blue'>
 */
export function enumOf<const V extends readonly string[]>(values: V): Schema<V[number]> {
  if (!Array.isArray(values)) throw typeError('values', 'an array of strings', values)
  return new EnumSchema<V[number]>(values)
}

/** Variant map of a union: name → schema of its body, tag = declaration index. */
export type Variants = Record<string, AnySchema>

/** Decoded type of a union: `{ type: name, value: body }` for each variant. */
export type UnionValue<V extends Variants> = {
  [K in keyof V & string]: { type: K; value: Infer<V[K]> }
}[keyof V & string]

const INDEX_KEY = /^(0|[1-9][0-9]*)$/

class UnionSchema<V extends Variants> extends BaseSchema<UnionValue<V>> {
  readonly kind = 'union'
  readonly minSize: number
  readonly names: readonly string[]
  readonly schemas: readonly AnySchema[]
  private readonly tags = new Map<string, number>()

  constructor(readonly variants: V) {
    super()
    const names = Object.keys(variants)
    let min = Number.POSITIVE_INFINITY
    names.forEach((name, i) => {
      if (INDEX_KEY.test(name)) throw new TypeError(`"variants" key "${name}" is integer-like; JavaScript would reorder it`)
      const s = variants[name]
      assertSchema(s, `variants.${name}`)
      min = Math.min(min, minSizeOf(s))
      this.tags.set(name, i)
    })
    this.names = names
    this.schemas = names.map((n) => variants[n]!)
    this.minSize = 1 + (names.length ? min : 0)
  }

  write(w: BipackWriter, v: UnionValue<V>): void {
    if (typeof v !== 'object' || v === null) throw typeError('union', 'an object { type, value }', v)
    const tag = this.tags.get(v.type)
    if (tag === undefined) throw new RangeError(`"union" expected type one of ${this.names.join(', ')}; got ${describe(v.type)}`)
    w.unsigned(tag)
    try {
      this.schemas[tag]!.write(w, v.value)
    } catch (e) {
      throw withPath(e, `variant "${v.type}"`)
    }
  }

  read(r: BipackReader): UnionValue<V> {
    const o = r.offset
    const tag = r.unsigned()
    const s = this.schemas[tag]
    if (s === undefined) throw new BipackError(`union tag ${tag} out of range 0..${this.names.length - 1}`, o)
    return { type: this.names[tag]!, value: s.read(r) } as UnionValue<V>
  }
}

/**
 * Tagged union (Kotlin sealed class): unsigned smartint tag (declaration index), then the body.
 *
 * @example
 * const shape = bp.union({ circle: bp.struct({ r: bp.f64 }), square: bp.struct({ side: bp.f64 }) })
 * shape.encode({ type: 'circle', value: { r: 1 } })
 */
export function union<const V extends Variants>(variants: V): Schema<UnionValue<V>> {
  if (typeof variants !== 'object' || variants === null || Array.isArray(variants)) throw typeError('variants', 'an object of schemas', variants)
  return new UnionSchema(variants)
}
