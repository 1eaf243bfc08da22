// Argument checks at the public boundary, noble style: TypeError for a wrong type, RangeError
// for a wrong length or range. Messages are built only on the throw path.

/** True for a Uint8Array, including Buffer and Uint8Arrays from another realm. */
export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array || (ArrayBuffer.isView(value) && value.constructor?.name === 'Uint8Array')
}

/** Describes a value for an error message without printing its content. */
export function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'Array'
  if (ArrayBuffer.isView(value)) return value.constructor?.name ?? 'ArrayBufferView'
  if (typeof value === 'object') return value.constructor?.name ?? 'object'
  return typeof value
}

/** Throws unless `value` is a Uint8Array (of exactly `length` bytes when given). */
export function abytes(value: unknown, name: string, length?: number): Uint8Array {
  if (!isBytes(value)) {
    const want = length === undefined ? 'Uint8Array' : `Uint8Array of length ${length}`
    throw new TypeError(`"${name}" expected ${want}, got ${describe(value)}`)
  }
  if (length !== undefined && value.length !== length) {
    throw new RangeError(`"${name}" expected Uint8Array of length ${length}, got length=${value.length}`)
  }
  return value
}

/** Throws unless `value` is undefined or a Uint8Array. */
export function aoptbytes(value: unknown, name: string): Uint8Array | undefined {
  return value === undefined ? undefined : abytes(value, name)
}

/** Throws unless `value` is a string (of exactly `length` chars when given). */
export function astring(value: unknown, name: string, length?: number): string {
  if (typeof value !== 'string') throw new TypeError(`"${name}" expected string, got ${describe(value)}`)
  if (length !== undefined && value.length !== length) {
    throw new RangeError(`"${name}" expected string of length ${length}, got length=${value.length}`)
  }
  return value
}

/** Throws unless `value` is a safe integer in `[min, max]`. */
export function aint(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number') throw new TypeError(`"${name}" expected number, got ${describe(value)}`)
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`"${name}" expected integer in [${min}, ${max}], got ${value}`)
  }
  return value
}
