/** Brand every Kiloparsec error carries, whatever the package or the installed copy. */
export const KP_ERROR: unique symbol = Symbol.for('kp.error')

/** Options accepted by every error of this package. */
export interface CryptoErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown
}

/** True when `e` is an object carrying the brand `brand` (works across duplicate installs). */
export function hasBrand(e: unknown, brand: symbol): boolean {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[brand] === true
}

const BRAND: unique symbol = Symbol.for('kp.error.CryptoError')

/**
 * Base class of every error thrown by `@kp/crypto` for bad data or failed checks (argument
 * mistakes throw the built-in `TypeError` / `RangeError` instead).
 *
 * @example
 * ```ts
 * try { open(key, nonce, sealed) } catch (e) { if (CryptoError.isInstance(e)) console.log(e.code) }
 * ```
 */
export class CryptoError extends Error {
  /** Machine-readable code, e.g. `'kp.Crypto'`, `'kp.Aead'`, `'kp.LowOrderKey'`. */
  readonly code: string
  readonly [KP_ERROR] = true
  readonly [BRAND] = true

  constructor(message: string, options: CryptoErrorOptions & { code?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'CryptoError'
    this.code = options.code ?? 'kp.Crypto'
  }

  /** True for a `CryptoError` (or subclass) from any copy of this package. */
  static isInstance(e: unknown): e is CryptoError {
    return hasBrand(e, BRAND)
  }
}
