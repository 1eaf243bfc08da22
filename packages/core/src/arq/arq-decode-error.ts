import { brandOf, hasBrand, KiloError, type KiloErrorOptions } from '../errors/kilo-error.js'

const BRAND = brandOf('ArqDecodeError')

/**
 * A decrypted ARQ payload did not parse or broke PROTOCOL.md 9 (unknown segment tag, truncated
 * segment, `una` or an ACK beyond what was sent). `ArqEngine.input` applies nothing of such a
 * payload; the host drops it and counts it (a datagram must never end a session by itself).
 */
export class ArqDecodeError extends KiloError {
  /** Byte offset in the payload where decoding failed (-1 when not positional). */
  readonly offset: number
  readonly [BRAND] = true

  constructor(message: string, offset = -1, options?: KiloErrorOptions) {
    super('kp.ArqMalformed', `malformed ARQ payload: ${message}`, options)
    this.name = 'ArqDecodeError'
    this.offset = offset
  }

  static override isInstance(e: unknown): e is ArqDecodeError {
    return hasBrand(e, BRAND)
  }
}
