import { brandOf, hasBrand, KiloError, type KiloErrorOptions } from './kilo-error.js'

const BRAND = brandOf('NotSupportedError')

/**
 * The connection cannot do what was asked: streams on plain UDP (which loses datagrams), for
 * instance. The message says what to use instead.
 */
export class NotSupportedError extends KiloError {
  readonly [BRAND] = true

  constructor(message: string, options?: KiloErrorOptions) {
    super('kp.NotSupported', message, options)
    this.name = 'NotSupportedError'
  }

  static override isInstance(e: unknown): e is NotSupportedError {
    return hasBrand(e, BRAND)
  }
}
