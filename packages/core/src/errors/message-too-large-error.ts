import { brandOf, hasBrand, KiloError } from './kilo-error.js'

const BRAND = brandOf('MessageTooLargeError')

/** A message was refused on the sending side, before anything was sent, because it exceeds the limit. */
export class MessageTooLargeError extends KiloError {
  readonly size: number
  readonly limit: number
  readonly [BRAND] = true

  /** @param hint what to do instead (default: send less per call or raise the limit on both ends) */
  constructor(size: number, limit: number, what = 'message', hint = 'send less per call or raise the limit on both ends') {
    super('kp.MessageTooLarge', `${what} of ${size} bytes exceeds the limit of ${limit} bytes; ${hint}`)
    this.name = 'MessageTooLargeError'
    this.size = size
    this.limit = limit
  }

  static override isInstance(e: unknown): e is MessageTooLargeError {
    return hasBrand(e, BRAND)
  }
}
