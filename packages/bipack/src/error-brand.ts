/**
 * Cross-package error brand. Every library error in the `@kp/*` family carries
 * `[Symbol.for('kp.error')] = true`, so `KiloError.isInstance(e)` in `@kp/core` recognises it
 * even when two copies of a package are installed (where `instanceof` would fail).
 */
export const kpErrorBrand: unique symbol = Symbol.for('kp.error')

/** True when `e` is an object carrying the given `Symbol.for(...)` brand set to `true`. */
export function hasBrand(e: unknown, brand: symbol): boolean {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[brand] === true
}
