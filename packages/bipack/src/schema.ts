import { typeError } from './assert.js'
import { BipackError } from './errors.js'
import { BipackReader } from './reader.js'
import { BipackWriter } from './writer.js'

/**
 * A typed bipack codec for values of type `T`. (Some writers are more lenient at run time than
 * `T` says: `u64`, `i64` and `bigint` also take numbers, `optional` also takes `undefined`.)
 *
 * `Schema<T>` is invariant in `T`: a schema both writes and reads `T`, so a
 * `Schema<{ a: number; b: string }>` is not a `Schema<{ a: number }>` (writing `{ a: 1 }` with it
 * would fail at run time). Generic code that takes any schema uses {@link AnySchema}.
 *
 * @example
 * const point = bp.struct({ x: bp.int, y: bp.int })
 * point.decode(point.encode({ x: 1, y: -2 })) // { x: 1, y: -2 }
 */
export interface Schema<T> {
  /** What this schema encodes, e.g. `'struct'`, `'list'`, `'u32'`. */
  readonly kind: string
  /**
   * Smallest possible encoding in bytes, used to reject impossible item counts before
   * allocating. Optional for hand-written schemas (then 1 is assumed).
   */
  readonly minSize?: number
  /**
   * Appends the encoding of `value`; throws `TypeError`/`RangeError` for an invalid value.
   * (A property, not a method, so that `Schema<T>` is invariant in `T`.)
   */
  readonly write: (w: BipackWriter, value: T) => void
  /** Reads one value; throws `BipackError` on malformed input. */
  read(r: BipackReader): T
  /** Encodes `value` into a fresh array of exact length. */
  encode(value: T): Uint8Array
  /** Decodes the whole input; `BipackError` if it is malformed or has bytes left over. */
  decode(bytes: Uint8Array): T
}

/** Any schema. */
export type AnySchema = Schema<any>

/** The decoded TypeScript type of a schema. */
export type Infer<S> = S extends Schema<infer T> ? T : never

/** Flattens an intersection/mapped type for readable hover types. */
export type Simplify<T> = { [K in keyof T]: T[K] } & {}

// One pooled writer serves every `encode` call; a nested `encode` (from inside a custom
// schema's write) finds the pool empty and uses a fresh writer instead.
let pooled: BipackWriter | null = null
const POOL_MAX_CAPACITY = 1 << 20

/** Encodes with a pooled writer and returns an exact-length copy. */
export function encodeWith<T>(schema: Schema<T>, value: T): Uint8Array {
  let w = pooled
  if (w === null) w = new BipackWriter(1024)
  else pooled = null
  try {
    schema.write(w, value)
    return w.toBytes()
  } finally {
    w.reset()
    if (w.capacity <= POOL_MAX_CAPACITY) pooled = w
  }
}

/**
 * Decodes the whole of `bytes` strictly: any failure surfaces as `BipackError`. `owned`: the
 * caller gives `bytes` away (see {@link decodeOwned}).
 */
export function decodeWith<T>(schema: Schema<T>, bytes: Uint8Array, owned = false): T {
  if (!(bytes instanceof Uint8Array)) throw typeError('bytes', 'Uint8Array', bytes)
  const r = new BipackReader(bytes)
  r.owned = owned
  let v: T
  try {
    v = schema.read(r)
  } catch (e) {
    throw toBipackError(e, r.offset)
  }
  if (r.offset !== r.end) r.expectEnd()
  return v
}

/**
 * Decodes like `schema.decode(bytes)` from input the caller gives away: nothing else reads or
 * writes `bytes` (or the rest of its ArrayBuffer) afterwards. Large `bytes` fields (1 KiB and
 * more, at least half of that ArrayBuffer) are then views of it rather than copies. For a
 * message decoded from a buffer that was allocated for it alone, e.g. a received frame.
 *
 * @example
 * ```ts
 * const frame = await receive()              // a fresh buffer nobody else holds
 * const { blob } = decodeOwned(upload, frame) // blob is a view of frame, not a copy
 * ```
 */
export function decodeOwned<T>(schema: Schema<T>, bytes: Uint8Array): T {
  return decodeWith(schema, bytes, true)
}

/**
 * Passes `BipackError` through and wraps anything else (a bug in a custom schema, a stack
 * overflow) so decoding never surfaces another error type.
 */
export function toBipackError(e: unknown, offset: number): BipackError {
  if (BipackError.isInstance(e)) return e
  const msg = e instanceof Error ? e.message : String(e)
  return new BipackError(`decoding failed: ${msg}`, offset, { cause: e })
}

/** Base class giving every schema `encode`/`decode` on top of its `write`/`read`. */
export abstract class BaseSchema<T> implements Schema<T> {
  abstract readonly kind: string
  abstract readonly minSize: number
  abstract write(w: BipackWriter, value: T): void
  abstract read(r: BipackReader): T

  encode(value: T): Uint8Array {
    return encodeWith(this, value)
  }

  decode(bytes: Uint8Array): T {
    return decodeWith(this, bytes)
  }
}

/** Minimum encoded size of a schema, 1 when a hand-written schema does not say. */
export function minSizeOf(s: AnySchema): number {
  const m = s.minSize
  return typeof m === 'number' && m >= 0 ? m : 1
}

/** Throws `TypeError` unless `s` looks like a schema (used when building composite schemas). */
export function assertSchema(s: unknown, name: string): asserts s is AnySchema {
  if (typeof s !== 'object' || s === null || typeof (s as AnySchema).write !== 'function' || typeof (s as AnySchema).read !== 'function')
    throw typeError(name, 'a bipack schema', s)
}

/**
 * Checks a decoded item count against the input left: `count` items of at least `itemSize`
 * bytes each must fit, and zero-byte items draw on the reader's `emptyBudget`.
 */
export function checkCount(r: BipackReader, count: number, itemSize: number, at: number): void {
  if (itemSize > 0) {
    if (count * itemSize > r.end - r.offset) throw new BipackError(`count ${count} needs at least ${count * itemSize} byte(s), ${r.end - r.offset} left`, at)
  } else if (count > r.emptyBudget) {
    throw new BipackError(`count ${count} of zero-size items exceeds the limit`, at)
  } else {
    r.emptyBudget -= count
  }
}

class CustomSchema<T> extends BaseSchema<T> {
  readonly kind: string
  readonly minSize: number
  readonly write: (w: BipackWriter, value: T) => void
  readonly read: (r: BipackReader) => T
  constructor(def: CustomDef<T>) {
    super()
    this.kind = def.kind ?? 'custom'
    this.minSize = def.minSize ?? 1
    this.write = def.write
    this.read = def.read
  }
}

/** Definition of a hand-written schema for {@link custom}. */
export interface CustomDef<T> {
  /** Label for the schema (default `'custom'`). */
  kind?: string
  /** Smallest encoding in bytes (default 1); must not overstate it. */
  minSize?: number
  write(w: BipackWriter, value: T): void
  read(r: BipackReader): T
}

/**
 * A schema from hand-written `write`/`read` functions, with `encode`/`decode` provided.
 *
 * @example
 * const point = bp.custom<[number, number]>({
 *   minSize: 2,
 *   write: (w, [x, y]) => { w.signed(x).signed(y) },
 *   read: (r) => [r.signed(), r.signed()],
 * })
 */
export function custom<T>(def: CustomDef<T>): Schema<T> {
  if (typeof def !== 'object' || def === null) throw typeError('def', 'an object', def)
  if (typeof def.write !== 'function') throw typeError('def.write', 'function', def.write)
  if (typeof def.read !== 'function') throw typeError('def.read', 'function', def.read)
  if (def.minSize !== undefined && !(Number.isSafeInteger(def.minSize) && def.minSize >= 0))
    throw new RangeError(`"def.minSize" expected a non-negative integer, got ${def.minSize}`)
  return new CustomSchema(def)
}
