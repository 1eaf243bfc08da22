/** A version as [major, minor, patch]. */
export type Version = [number, number, number]

/**
 * The minimum Node version of an `engines.node` range. Only the plain `>=X.Y[.Z]` form is
 * accepted (that is what every package states); anything else returns null so the check can
 * ask for it instead of guessing.
 */
export function minNodeVersion(range: unknown): Version | null {
  if (typeof range !== 'string') return null
  const m = /^\s*>=\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(range)
  if (!m) return null
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)]
}

/** Parses `process.version`-like strings (`v20.20.0`). */
export function parseVersion(text: string): Version {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text)
  if (!m) throw new RangeError(`"version" expected X.Y.Z, got ${JSON.stringify(text)}`)
  return [Number(m[1]), Number(m[2]), Number(m[3])]
}

/** Negative when a < b, 0 when equal, positive when a > b. */
export function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2]
}
