import { brandOf, hasBrand, KiloError, type KiloErrorOptions } from './kilo-error.js'

const BRAND = brandOf('TransportError')

/** A transport failed or hit one of its limits (connect refused, peer not reading, frame too large). */
export class TransportError extends KiloError {
  readonly [BRAND] = true

  constructor(message: string, options?: KiloErrorOptions & { code?: string }) {
    super(options?.code ?? 'kp.Transport', message, options)
    this.name = 'TransportError'
  }

  static override isInstance(e: unknown): e is TransportError {
    return hasBrand(e, BRAND)
  }
}
