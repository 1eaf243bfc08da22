import { brandOf, hasBrand, KiloError, type KiloErrorOptions } from './kilo-error.js'

const BRAND = brandOf('HandshakeError')

/** Which handshake check failed. */
export type HandshakeCheck =
  | 'bad-signature'
  | 'pin-mismatch'
  | 'unsupported-version'
  | 'malformed'
  | 'timeout'
  | 'unauthorized'
  | 'rejected'
  | 'busy'
  | 'full'
  | 'decrypt'
  | 'low-order-key'

/** The handshake failed; `check` names the check, the message says what to do. */
export class HandshakeError extends KiloError {
  readonly check: HandshakeCheck
  readonly [BRAND] = true

  /** `options.code` (default `'kp.Handshake'`) lets a subclass name a more precise failure. */
  constructor(check: HandshakeCheck, message: string, options?: KiloErrorOptions & { code?: string }) {
    super(options?.code ?? 'kp.Handshake', `handshake failed (${check}): ${message}`, options)
    this.name = 'HandshakeError'
    this.check = check
  }

  static override isInstance(e: unknown): e is HandshakeError {
    return hasBrand(e, BRAND)
  }
}
