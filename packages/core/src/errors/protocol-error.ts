import { brandOf, hasBrand, KiloError, type KiloErrorOptions } from './kilo-error.js'

const BRAND = brandOf('ProtocolError')

/** The peer broke the wire protocol (bad frame, bad record, bad message). The connection closes. */
export class ProtocolError extends KiloError {
  readonly [BRAND] = true

  constructor(message: string, options?: KiloErrorOptions) {
    super('kp.Protocol', message, options)
    this.name = 'ProtocolError'
  }

  static override isInstance(e: unknown): e is ProtocolError {
    return hasBrand(e, BRAND)
  }
}
