import type { PublicKey } from '@kp/crypto'
import type { RecordStats } from '../record/record-opener.js'
import type { ChannelDefinition, SinkDefinition, StreamDefinition } from '../stream/definitions.js'
import type { RemoteStream } from '../stream/remote-stream.js'
import type { SinkOptions, StreamOptions, StreamSource } from '../stream/types.js'
import type { Command } from './command.js'

/** Per-call options. */
export interface CallOptions {
  /** Aborts the call: it fails with `AbortedError` and the callee is sent CANCEL. */
  signal?: AbortSignal
  /** Fails the call with `TimeoutError` (and sends CANCEL) after this many ms. 0: no timeout. */
  timeoutMs?: number
}

/**
 * Calls and pushes towards the peer, from either side. The argument type comes from the command
 * alone (`NoInfer`): an argument that misses a field is a compile error, also from a variable.
 */
export interface PeerApi {
  /** Calls a command on the peer and resolves with its result. */
  call<A, R>(command: Command<A, R>, args: NoInfer<A>, options?: CallOptions): Promise<R>
  /** Sends a fire-and-forget PUSH (no answer of any kind). */
  push<A>(command: Command<A, any>, args: NoInfer<A>): void
  /** Opens a stream on the peer: its handler's items, read with backpressure (PROTOCOL.md 14). */
  stream<A, T>(definition: StreamDefinition<A, T>, args: NoInfer<A>, options?: StreamOptions): RemoteStream<T>
  /** Sends `source`'s items to the peer's sink handler and resolves with its result. */
  sink<A, T, R>(definition: SinkDefinition<A, T, R>, args: NoInfer<A>, source: StreamSource<T>, options?: SinkOptions): Promise<R>
  /** Opens a channel: sends `source`'s items, reads the items the peer's handler yields. */
  channel<A, I, O>(definition: ChannelDefinition<A, I, O>, args: NoInfer<A>, source: StreamSource<I>, options?: StreamOptions): RemoteStream<O>
}

/** What a handler and the connect hooks know about the connection. */
export interface SessionContext<S> extends PeerApi {
  /** The per-connection session object (the server's `session` factory, or the client's). */
  session: S
  /** The peer's verified Ed25519 key, or null for an anonymous client. */
  readonly remoteId: PublicKey | null
  /** Equal on both ends only when no one sat in the middle (PROTOCOL.md 4.4): show it to compare. */
  readonly token: Uint8Array
  /** The transport's peer address, for logs. */
  readonly remoteAddress: string
  /** Record statistics of this connection (datagram drops are counted here). */
  readonly stats: Readonly<RecordStats>
  /** Bytes queued towards the peer and not yet handed to the network (back off when it grows). */
  readonly bufferedAmount: number
  /** Closes this connection (sends CLOSE with the reason). */
  close(reason?: string): void
}

/** The context a command handler receives. */
export interface CallContext<S> extends SessionContext<S> {
  /** Aborts when the caller cancels (CANCEL), times out, or the connection closes. */
  readonly signal: AbortSignal
}
