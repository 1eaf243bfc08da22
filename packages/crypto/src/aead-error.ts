import { CryptoError, type CryptoErrorOptions, hasBrand } from './crypto-error.js'

const BRAND: unique symbol = Symbol.for('kp.error.AeadError')

/**
 * `open` failed: wrong key, nonce or AAD, a modified ciphertext or tag, or input shorter than
 * the 16-byte tag. No plaintext is ever returned with it. Code `'kp.Aead'`.
 */
export class AeadError extends CryptoError {
  readonly [BRAND] = true

  constructor(message = 'AEAD open failed: authentication tag mismatch', options: CryptoErrorOptions = {}) {
    super(message, { ...options, code: 'kp.Aead' })
    this.name = 'AeadError'
  }

  /** True for an `AeadError` from any copy of this package. */
  static override isInstance(e: unknown): e is AeadError {
    return hasBrand(e, BRAND)
  }
}
