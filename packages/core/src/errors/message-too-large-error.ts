import { brandOf, hasBrand, KiloError } from './kilo-error.js'

const BRAND = brandOf('MessageTooLargeError')

/** A message was refused on the sending side, before anything was sent, because it exceeds the limit. */
export class MessageTooLargeError extends KiloError {
  readonly size: number
  readonly limit: number
  readonly [BRAND] = true

  constructor(size: number, limit: number, what = 'message') {
    super('kp.MessageTooLarge', `${what} of ${size} bytes exceeds the limit of ${limit} bytes; send less per call or raise the limit on both ends`)
    this.name = 'MessageTooLargeError'
    this.size = size
    this.limit = limit
  }

  static override isInstance(e: unknown): e is MessageTooLargeError {
    return hasBrand(e, BRAND)
  }
}
