import { brandOf, hasBrand, KiloError, type KiloErrorOptions } from './kilo-error.js'

const BRAND = brandOf('NotConnectedError')

/**
 * A send that cannot wait was attempted while the client has no connection (a `push`, which
 * has no promise to wait on). The message names the state and what to do.
 */
export class NotConnectedError extends KiloError {
  readonly [BRAND] = true

  constructor(message: string, options?: KiloErrorOptions) {
    super('kp.NotConnected', message, options)
    this.name = 'NotConnectedError'
  }

  static override isInstance(e: unknown): e is NotConnectedError {
    return hasBrand(e, BRAND)
  }
}
