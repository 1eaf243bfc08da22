import type { BipackWriter } from '@kp/bipack'

/** Where the call tables write their messages: this turn's record of the current link. @internal */
export interface Outbox {
  /** Makes room for a message of `size` bytes and returns the writer to write it into. */
  reserve(size: number): BipackWriter
  /** Appends one encoded message. */
  append(message: Uint8Array): void
  /** Largest message the peer accepts. */
  readonly peerMaxMessage: number
  /** What to do about a message over that limit, for `MessageTooLargeError` (undefined: the generic advice). */
  readonly limitHint: string | undefined
  /** True once the session ended: nothing more is sent. */
  readonly isClosed: boolean
}
