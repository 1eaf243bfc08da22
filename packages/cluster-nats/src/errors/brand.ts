/** The brand every `@kp/*` error carries, so `KiloError.isInstance(e)` recognises it. @internal */
export function brandOf(name: string): symbol {
  return Symbol.for(`kp.error.${name}`)
}

/** True when `e` carries `brand`. @internal */
export function hasBrand(e: unknown, brand: symbol): boolean {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[brand] === true
}
