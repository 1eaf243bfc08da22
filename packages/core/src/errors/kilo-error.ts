const ERROR_BRAND = Symbol.for('kp.error')

/** Options every library error accepts. */
export interface KiloErrorOptions {
  cause?: unknown
}

/**
 * Base class of every error this library throws. `code` is machine readable (`'kp.Handshake'`,
 * `'kp.ConnectionClosed'`, ...). Recognise errors with `KiloError.isInstance(e)` or a subclass's
 * `isInstance`, which work across duplicate installs where `instanceof` does not.
 */
export class KiloError extends Error {
  /** Machine-readable error code. */
  readonly code: string
  readonly [ERROR_BRAND] = true

  constructor(code: string, message: string, options?: KiloErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.name = 'KiloError'
  }

  /** True for any error of this library family (any package, any installed copy). */
  static isInstance(e: unknown): e is KiloError {
    return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[ERROR_BRAND] === true
  }
}

/** Adds a class-specific brand so `isInstance` works across duplicate installs. @internal */
export function brandOf(name: string): symbol {
  return Symbol.for(`kp.error.${name}`)
}

/** @internal */
export function hasBrand(e: unknown, brand: symbol): boolean {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[brand] === true
}
