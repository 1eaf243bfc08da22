import { hasBrand, kpErrorBrand } from './error-brand.js'

const bipackErrorBrand: unique symbol = Symbol.for('kp.error.BipackError')

/**
 * A decoding failure: truncated, malformed, oversized or trailing input. `offset` is the byte
 * position (within the reader's buffer) where the problem was found; the message says what went
 * wrong and repeats the offset.
 *
 * @example
 * try { schema.decode(bytes) } catch (e) { if (BipackError.isInstance(e)) console.log(e.offset) }
 */
export class BipackError extends Error {
  readonly [kpErrorBrand] = true as const
  readonly [bipackErrorBrand] = true as const
  override readonly name = 'BipackError'
  /** Machine-readable code shared by every bipack decoding error. */
  readonly code = 'kp.Bipack' as const
  /** Byte offset in the input where the problem was detected. */
  readonly offset: number

  constructor(message: string, offset: number, options?: { cause?: unknown }) {
    super(`${message} at offset ${offset}`, options)
    this.offset = offset
  }

  /** Brand check that works across duplicate installs (unlike `instanceof`). */
  static isInstance(e: unknown): e is BipackError {
    return hasBrand(e, bipackErrorBrand)
  }
}
