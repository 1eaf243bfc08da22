/**
 * Reads an integer option a user passed, with its default: `undefined` gives `fallback`; a value
 * that is not an integer is a `TypeError` and one outside `min..max` a `RangeError`, both naming
 * the option (noble style: `"maxInFlight" expected an integer in 1..1000000, got 1.5`). The one
 * validator every package uses for its integer options.
 */
export function integerOption(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`"${name}" expected an integer in ${min}..${max}, got ${describe(value)}`)
  }
  if (value < min || value > max) throw new RangeError(`"${name}" expected an integer in ${min}..${max}, got ${value}`)
  return value
}

function describe(v: unknown): string {
  if (typeof v === 'number') return String(v)
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)}`
  return v === null ? 'null' : typeof v
}
