import type { Session } from '../rpc/session.js'
import type { ChannelDefinition, SinkDefinition, StreamDefinition } from './definitions.js'
import type { Inflow } from './inflow.js'
import { closeQuietly, type PreparedOpen, prepareOpen } from './prepare.js'
import { RemoteStream } from './remote-stream.js'
import { type AnyIterator, iteratorOf } from './sources.js'
import type { SessionFor, StreamSupport } from './stream-support.js'
import { StreamTable } from './stream-table.js'
import type { SinkOptions, StreamOptions, StreamSource } from './types.js'

/**
 * The stream code behind the registry of stream-support.ts: the stream table of each session,
 * and opening streams, sinks and channels from a session or a client (PROTOCOL.md 14). Only
 * `stream()`, `sink()` and `channel()` import it. @internal
 */
export const streamRuntime: StreamSupport = {
  table: (host, iface, ids, options, from) => new StreamTable(host, iface, ids, options, from),

  stream<S, A, T>(session: Session<S>, definition: StreamDefinition<A, T>, args: A, options: StreamOptions | undefined, window: number): RemoteStream<T> {
    const p = prepareOpen(definition, 'stream', args, options, window)
    return new RemoteStream<T>(() => session.streams.open(definition, p.args, null, p.window, p.signal).rx as Inflow<T>)
  },

  sink<S, A, T, R>(
    session: Session<S>,
    definition: SinkDefinition<A, T, R>,
    args: A,
    source: StreamSource<T>,
    options: SinkOptions | undefined,
    window: number,
  ): Promise<R> {
    let it: AnyIterator<T> | undefined
    try {
      const p = prepareOpen(definition, 'sink', args, options, window)
      it = iteratorOf<T>(source, '"source"')
      return session.streams.open(definition, p.args, it, 0, p.signal).answer!.promise as Promise<R>
    } catch (e) {
      if (it) closeQuietly(it)
      return Promise.reject(e)
    }
  },

  channel<S, A, I, O>(
    session: Session<S>,
    definition: ChannelDefinition<A, I, O>,
    args: A,
    source: StreamSource<I>,
    options: StreamOptions | undefined,
    window: number,
  ): RemoteStream<O> {
    const p = prepareOpen(definition, 'channel', args, options, window)
    const it = iteratorOf<I>(source, '"source"')
    return new RemoteStream<O>(() => openChannel(session, definition, p, it))
  },

  clientStream<S, A, T>(
    window: number,
    sessionFor: SessionFor<S>,
    definition: StreamDefinition<A, T>,
    args: A,
    options: StreamOptions | undefined,
  ): RemoteStream<T> {
    const p = prepareOpen(definition, 'stream', args, options, window)
    return new RemoteStream<T>(() =>
      sessionFor(`stream '${definition.name}'`, p.signal).then((s) => s.streams.open(definition, p.args, null, p.window, p.signal).rx as Inflow<T>),
    )
  },

  clientChannel<S, A, I, O>(
    window: number,
    sessionFor: SessionFor<S>,
    definition: ChannelDefinition<A, I, O>,
    args: A,
    source: StreamSource<I>,
    options: StreamOptions | undefined,
  ): RemoteStream<O> {
    const p = prepareOpen(definition, 'channel', args, options, window)
    const it = iteratorOf<I>(source, '"source"')
    return new RemoteStream<O>(() =>
      sessionFor(`channel '${definition.name}'`, p.signal).then(
        (s) => openChannel(s, definition, p, it),
        (e) => {
          closeQuietly(it)
          throw e
        },
      ),
    )
  },

  checkSink(definition: unknown, args: unknown, options: unknown): void {
    prepareOpen(definition, 'sink', args, options, 1)
  },
}

/** Opens a channel on `session` now; its source is closed when it cannot open. */
function openChannel<S, A, I, O>(session: Session<S>, definition: ChannelDefinition<A, I, O>, p: PreparedOpen, it: AnyIterator<I>): Inflow<O> {
  try {
    return session.streams.open(definition, p.args, it, p.window, p.signal).rx as Inflow<O>
  } catch (e) {
    closeQuietly(it)
    throw e
  }
}
