import { brandOf, hasBrand, KiloError } from './kilo-error.js'

const BRAND = brandOf('TimeoutError')

/** A call (or another operation) did not complete in time. The callee was sent CANCEL. */
export class TimeoutError extends KiloError {
  readonly timeoutMs: number
  readonly [BRAND] = true

  constructor(what: string, timeoutMs: number) {
    super('kp.Timeout', `${what} timed out after ${timeoutMs} ms`)
    this.name = 'TimeoutError'
    this.timeoutMs = timeoutMs
  }

  static override isInstance(e: unknown): e is TimeoutError {
    return hasBrand(e, BRAND)
  }
}
