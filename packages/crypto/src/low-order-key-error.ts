import { CryptoError, type CryptoErrorOptions, hasBrand } from './crypto-error.js'

const BRAND: unique symbol = Symbol.for('kp.error.LowOrderKeyError')

/**
 * X25519 gave the all-zero shared secret: the peer sent a low-order public key (RFC 7748
 * section 6.1). Code `'kp.LowOrderKey'`.
 */
export class LowOrderKeyError extends CryptoError {
  readonly [BRAND] = true

  constructor(message = 'X25519 peer public key has low order (shared secret would be all zero)', options: CryptoErrorOptions = {}) {
    super(message, { ...options, code: 'kp.LowOrderKey' })
    this.name = 'LowOrderKeyError'
  }

  /** True for a `LowOrderKeyError` from any copy of this package. */
  static override isInstance(e: unknown): e is LowOrderKeyError {
    return hasBrand(e, BRAND)
  }
}
