import type { CallContext } from '../rpc/context.js'

/** What a sink or channel sends: any async or sync iterable, or a WHATWG ReadableStream. */
export type StreamSource<T> = AsyncIterable<T> | Iterable<T> | ReadableStream<T>

/** Options of `peer.stream()` and `peer.channel()`. */
export interface StreamOptions {
  /** Aborting ends the stream on both sides (CANCEL): reading fails with `AbortedError`. */
  signal?: AbortSignal
  /**
   * The reader's window: at most this many items are in flight or buffered on this side
   * (credit, PROTOCOL.md 14); a reader also grants less once about 512 KiB is held. Default 256.
   */
  credit?: number
}

/** Options of `peer.sink()`. */
export interface SinkOptions {
  /** Aborting ends the sink on both sides (CANCEL): the promise rejects with `AbortedError`. */
  signal?: AbortSignal
}

/**
 * The handler of a stream: yields the items the caller reads (an `async function*`). It runs
 * only as fast as the caller reads; when the caller stops (break, cancel, abort, lost
 * connection) `ctx.signal` aborts and the generator is finished (its `finally` runs).
 */
export type StreamHandler<A, T, S> = (args: A, ctx: CallContext<S>) => AsyncIterable<T> | Iterable<T> | ReadableStream<T>

/** The handler of a sink: reads the caller's items and returns the one result. */
export type SinkHandler<A, T, R, S> = (args: A, items: AsyncIterable<T>, ctx: CallContext<S>) => R | Promise<R>

/** The handler of a channel: reads `incoming` and yields the items sent back. */
export type ChannelHandler<A, I, O, S> = (args: A, incoming: AsyncIterable<I>, ctx: CallContext<S>) => AsyncIterable<O> | Iterable<O> | ReadableStream<O>
