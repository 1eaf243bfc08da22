import type { IdAllocator } from '../rpc/id-allocator.js'
import type { KiloInterface } from '../rpc/kilo-interface.js'
import type { Session } from '../rpc/session.js'
import type { ChannelDefinition, SinkDefinition, StreamDefinition, StreamShape } from './definitions.js'
import type { SessionStreams } from './no-streams.js'
import type { RemoteStream } from './remote-stream.js'
import type { StreamHost, StreamTableOptions } from './stream-host.js'
import type { SinkOptions, StreamOptions, StreamSource } from './types.js'

/** The session a client's stream uses: now, or once connected. @internal */
export type SessionFor<S> = (what: string, signal: AbortSignal | undefined) => Promise<Session<S>>

/**
 * The stream code (PROTOCOL.md 14), reached only through this registry: `stream()`, `sink()` and
 * `channel()` provide it, so a program that declares no stream never loads it (a browser client
 * of calls alone does not download it). @internal
 */
export interface StreamSupport {
  /** The stream table of a session, taking over what `from` saw so far. */
  table<S>(host: StreamHost<S>, iface: KiloInterface<S> | undefined, ids: IdAllocator, options: StreamTableOptions, from: SessionStreams): SessionStreams
  stream<S, A, T>(session: Session<S>, definition: StreamDefinition<A, T>, args: A, options: StreamOptions | undefined, window: number): RemoteStream<T>
  sink<S, A, T, R>(
    session: Session<S>,
    definition: SinkDefinition<A, T, R>,
    args: A,
    source: StreamSource<T>,
    options: SinkOptions | undefined,
    window: number,
  ): Promise<R>
  channel<S, A, I, O>(
    session: Session<S>,
    definition: ChannelDefinition<A, I, O>,
    args: A,
    source: StreamSource<I>,
    options: StreamOptions | undefined,
    window: number,
  ): RemoteStream<O>
  /** A client's stream: checked now, opened on the first read on the session `sessionFor` gives. */
  clientStream<S, A, T>(
    window: number,
    sessionFor: SessionFor<S>,
    definition: StreamDefinition<A, T>,
    args: A,
    options: StreamOptions | undefined,
  ): RemoteStream<T>
  clientChannel<S, A, I, O>(
    window: number,
    sessionFor: SessionFor<S>,
    definition: ChannelDefinition<A, I, O>,
    args: A,
    source: StreamSource<I>,
    options: StreamOptions | undefined,
  ): RemoteStream<O>
  /** Checks a sink's definition, arguments and options (throws as the open would). */
  checkSink(definition: unknown, args: unknown, options: unknown): void
}

let support: StreamSupport | null = null

/** Called by `stream()`, `sink()` and `channel()`: from now on sessions carry streams. @internal */
export function provideStreams(s: StreamSupport): void {
  support = s
}

/** The stream code, or null when no definition loaded it yet. @internal */
export function loadedStreams(): StreamSupport | null {
  return support
}

/**
 * The stream code for opening `definition`; a `TypeError` when there is none, which means
 * `definition` was not made by `stream()`, `sink()` or `channel()`. @internal
 */
export function streamsFor(definition: unknown, shape: StreamShape): StreamSupport {
  if (support !== null) return support
  throw new TypeError(`"definition" expected a ${shape} definition (made by ${shape}()), got ${describeDefinition(definition)}`)
}

/** How a wrong definition argument is named in errors. @internal */
export function describeDefinition(v: unknown): string {
  if (v === null) return 'null'
  if (typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string')
    return `'${(v as { name: string }).name}' (not a stream definition: a command?)`
  return typeof v
}
