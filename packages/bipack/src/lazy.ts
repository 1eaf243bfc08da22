import { typeError } from './assert.js'
import { BipackError } from './errors.js'
import { MAX_DEPTH, type BipackReader } from './reader.js'
import { type AnySchema, assertSchema, BaseSchema, minSizeOf, type Schema } from './schema.js'
import type { BipackWriter } from './writer.js'

class LazySchema<T> extends BaseSchema<T> {
  readonly kind = 'lazy'
  private target: Schema<T> | null = null
  private min = -1
  private resolving = false

  constructor(private readonly get: () => Schema<T>) {
    super()
  }

  private resolve(): Schema<T> {
    let s = this.target
    if (s === null) {
      s = this.get()
      assertSchema(s, 'lazy()')
      this.target = s
    }
    return s
  }

  // A lower bound: while resolving a cycle we answer 0, which never overstates the size.
  get minSize(): number {
    if (this.min >= 0) return this.min
    if (this.resolving) return 0
    this.resolving = true
    try {
      this.min = minSizeOf(this.resolve() as AnySchema)
    } finally {
      this.resolving = false
    }
    return this.min
  }

  write(w: BipackWriter, v: T): void {
    this.resolve().write(w, v)
  }

  read(r: BipackReader): T {
    const s = this.target ?? this.resolve()
    if (r.depth >= MAX_DEPTH) throw new BipackError(`nesting deeper than ${MAX_DEPTH}`, r.offset)
    r.depth++
    try {
      return s.read(r)
    } finally {
      r.depth--
    }
  }
}

/**
 * Defers to the schema returned by `get`, called on first use: lets a schema refer to itself.
 * Decoding nests at most 512 levels of `lazy`.
 *
 * @example
 * interface Node { name: string; children: Node[] }
 * const node: bp.Schema<Node> = bp.struct({ name: bp.string, children: bp.list(bp.lazy(() => node)) })
 */
export function lazy<T>(get: () => Schema<T>): Schema<T> {
  if (typeof get !== 'function') throw typeError('get', 'a function returning a schema', get)
  return new LazySchema(get)
}

class TransformSchema<T, U> extends BaseSchema<U> {
  readonly kind: string
  readonly minSize: number
  constructor(
    readonly inner: Schema<T>,
    private readonly from: (t: T) => U,
    private readonly to: (u: U) => T,
  ) {
    super()
    this.kind = inner.kind
    this.minSize = minSizeOf(inner as AnySchema)
  }
  write(w: BipackWriter, v: U): void {
    this.inner.write(w, this.to(v))
  }
  read(r: BipackReader): U {
    return this.from(this.inner.read(r))
  }
}

/**
 * Same wire format as `inner`, mapped to another type (a kotlinx surrogate serializer).
 * `from` runs after decoding; an exception it throws becomes a `BipackError` in `decode`.
 *
 * @example
 * const url = bp.transform(bp.string, (s) => new URL(s), (u: URL) => u.href)
 */
export function transform<T, U>(inner: Schema<T>, from: (t: T) => U, to: (u: U) => T): Schema<U> {
  assertSchema(inner, 'inner')
  if (typeof from !== 'function') throw typeError('from', 'function', from)
  if (typeof to !== 'function') throw typeError('to', 'function', to)
  return new TransformSchema(inner, from, to)
}
