import type { BipackWriter, Schema } from '@kp/bipack'
import type { ItemScheduler, MakeItemScheduler } from '../link/item-scheduler.js'
import type { ErrorRegistry } from '../rpc/application-error.js'
import type { SessionContext } from '../rpc/context.js'
import type { Outbox } from '../rpc/outbox.js'
import type { Logger } from '../util/logger.js'

/** What the stream table needs from its session. @internal */
export interface StreamHost<S> extends Outbox {
  /** The context handlers see (the session). */
  readonly context: SessionContext<S> & { readonly isClosed: boolean; readonly closeReason: string }
  /** Encodes into the session's scratch writer; the view is valid until the next encode. */
  encode<T>(schema: Schema<T>, value: T): Uint8Array
  /** Writes into the session's scratch writer; the view is valid until the next encode. */
  encodeWith(write: (w: BipackWriter) => void): Uint8Array
  /** Null when streams may run (a reliable transport, or reliable datagram mode), else why not. */
  readonly streamsRefused: string | null
  /** The write path's scheduler of stream items (made by `make` when there is none). */
  itemScheduler(make: MakeItemScheduler): ItemScheduler
}

/** Limits of a stream table. @internal */
export interface StreamTableOptions {
  /** Streams the peer may have open here; also how many of ours are open at once (more wait). */
  maxStreams: number
  /** Window of the items this side reads on the peer's sinks and channels. */
  window: number
  logger: Logger
  /** Where the peer's application error codes (in FAIL) are looked up. */
  errors: ErrorRegistry
}
