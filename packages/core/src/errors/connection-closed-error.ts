import { brandOf, hasBrand, KiloError, type KiloErrorOptions } from './kilo-error.js'

const BRAND = brandOf('ConnectionClosedError')

/** The connection closed (either side, or an error) while a call was pending or a send was attempted. */
export class ConnectionClosedError extends KiloError {
  /** Why the connection closed, e.g. `'closed by peer: shutdown'` or `'idle timeout'`. */
  readonly reason: string
  readonly [BRAND] = true

  constructor(reason: string, options?: KiloErrorOptions) {
    super('kp.ConnectionClosed', `connection closed: ${reason}`, options)
    this.name = 'ConnectionClosedError'
    this.reason = reason
  }

  static override isInstance(e: unknown): e is ConnectionClosedError {
    return hasBrand(e, BRAND)
  }
}
