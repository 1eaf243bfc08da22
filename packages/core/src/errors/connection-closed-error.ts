import { brandOf, hasBrand, KiloError, type KiloErrorOptions } from './kilo-error.js'

const BRAND = brandOf('ConnectionClosedError')

/**
 * What a failed call knows about itself when the connection closed under it:
 * - `not-sent`: it never left this side (it waited for a connection or for a slot in the
 *   in-flight window): safe to retry;
 * - `unknown`: it was sent and no answer came: the peer may or may not have run it;
 * - `none`: not about a call (a send on a closed connection, a handler's signal).
 */
export type CallOutcome = 'not-sent' | 'unknown' | 'none'

/** The connection closed (either side, or an error) while a call was pending or a send was attempted. */
export class ConnectionClosedError extends KiloError {
  /** Why the connection closed, e.g. `'closed by peer: shutdown'` or `'idle timeout'`. */
  readonly reason: string
  /** For a failed call: whether it was sent (see {@link CallOutcome}); retry only `not-sent` blindly. */
  readonly outcome: CallOutcome
  readonly [BRAND] = true

  constructor(reason: string, options?: KiloErrorOptions & { outcome?: CallOutcome }) {
    const outcome = options?.outcome ?? 'none'
    const suffix =
      outcome === 'not-sent' ? ' (the call was never sent: safe to retry)' : outcome === 'unknown' ? ' (the call was sent: its outcome is unknown)' : ''
    super('kp.ConnectionClosed', `connection closed: ${reason}${suffix}`, options)
    this.name = 'ConnectionClosedError'
    this.reason = reason
    this.outcome = outcome
  }

  static override isInstance(e: unknown): e is ConnectionClosedError {
    return hasBrand(e, BRAND)
  }
}
