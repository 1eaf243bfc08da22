// Argument validation helpers for public writer/schema boundaries. The checks themselves live
// inline at the call sites (cheap comparisons); these functions only build the error, so no
// message is ever formatted on the success path.

/** Short, safe description of a value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null'
  switch (typeof v) {
    case 'number':
      return Object.is(v, -0) ? '-0' : String(v)
    case 'bigint':
      return `${v}n`
    case 'string':
      return v.length > 40 ? `string "${v.slice(0, 40)}…"` : `string "${v}"`
    case 'undefined':
      return 'undefined'
    case 'boolean':
      return String(v)
    case 'object': {
      const name = (v as object).constructor?.name
      return name ? `object ${name}` : 'object'
    }
    default:
      return typeof v
  }
}

/**
 * Error for an integer argument outside [min, max] or not an integer at all: `TypeError` for a
 * wrong type or a non-integer number, `RangeError` for an integer out of range.
 */
export function intError(name: string, v: unknown, range: string, allowBigint: boolean): TypeError | RangeError {
  const what = allowBigint ? 'integer (number or bigint)' : 'integer'
  if (typeof v === 'bigint') {
    if (!allowBigint) return new TypeError(`"${name}" expected number ${what} in ${range}, got bigint ${v}n`)
    return new RangeError(`"${name}" expected ${what} in ${range}, got ${v}n`)
  }
  if (typeof v !== 'number') return new TypeError(`"${name}" expected ${what} in ${range}, got ${describe(v)}`)
  if (!Number.isInteger(v)) return new TypeError(`"${name}" expected ${what} in ${range}, got ${describe(v)}`)
  return new RangeError(`"${name}" expected ${what} in ${range}, got ${describe(v)}`)
}

/** `TypeError` naming the argument, the expected type and what was received. */
export function typeError(name: string, expected: string, v: unknown): TypeError {
  return new TypeError(`"${name}" expected ${expected}, got ${describe(v)}`)
}
