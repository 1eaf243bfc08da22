import { brandOf, hasBrand, KiloError } from './kilo-error.js'

const BRAND = brandOf('RemoteError')

/**
 * The peer answered a call with an error that is not a registered application error:
 * `kp.UnknownCommand`, `kp.BadArguments`, `kp.Busy`, `kp.Internal`, or an unregistered code.
 */
export class RemoteError extends KiloError {
  /** The bipack payload that came with the error (empty for library codes). */
  readonly data: Uint8Array
  readonly [BRAND] = true

  constructor(code: string, message: string, data: Uint8Array = new Uint8Array(0)) {
    super(code, message)
    this.name = 'RemoteError'
    this.data = data
  }

  static override isInstance(e: unknown): e is RemoteError {
    return hasBrand(e, BRAND)
  }
}
