import { brandOf, hasBrand, KiloError, type KiloErrorOptions } from './kilo-error.js'

const BRAND = brandOf('TimeoutError')

/**
 * A call (or another operation) did not complete in time. A call that was sent is cancelled at
 * the callee (CANCEL); one still waiting for a connection says why it never got one, with the
 * last connect error as `cause`.
 */
export class TimeoutError extends KiloError {
  readonly timeoutMs: number
  readonly [BRAND] = true

  /** @param detail why, appended to the message (e.g. `no connection to 127.0.0.1:4999 after 3 attempts`) */
  constructor(what: string, timeoutMs: number, options?: KiloErrorOptions & { detail?: string }) {
    super('kp.Timeout', `${what} timed out after ${timeoutMs} ms${options?.detail ? `: ${options.detail}` : ''}`, options)
    this.name = 'TimeoutError'
    this.timeoutMs = timeoutMs
  }

  static override isInstance(e: unknown): e is TimeoutError {
    return hasBrand(e, BRAND)
  }
}
