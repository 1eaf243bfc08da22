import { brandOf, hasBrand, KiloError, type KiloErrorOptions } from './kilo-error.js'

const BRAND = brandOf('KnownServersError')

/**
 * A known-servers store cannot be used: a malformed line in the file (the message names the
 * file and line), localStorage not available, a lock that is never released, a failed write.
 * Code `'kp.KnownServers'`.
 */
export class KnownServersError extends KiloError {
  readonly [BRAND] = true

  constructor(message: string, options?: KiloErrorOptions) {
    super('kp.KnownServers', message, options)
    this.name = 'KnownServersError'
  }

  static override isInstance(e: unknown): e is KnownServersError {
    return hasBrand(e, BRAND)
  }
}
