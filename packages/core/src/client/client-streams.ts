import type { Session } from '../rpc/session.js'
import type { ChannelDefinition, StreamDefinition } from '../stream/definitions.js'
import type { Inflow } from '../stream/inflow.js'
import { closeQuietly, prepareOpen } from '../stream/prepare.js'
import { RemoteStream } from '../stream/remote-stream.js'
import { iteratorOf } from '../stream/sources.js'
import type { StreamOptions, StreamSource } from '../stream/types.js'

/**
 * A client's channel (PROTOCOL.md 14): checks its arguments now and opens it on the first
 * read, on the session `sessionFor` gives (now, or once connected); the source is closed when
 * it cannot open. @internal
 */
export function openChannel<S, A, I, O>(
  credit: number,
  sessionFor: (what: string, signal: AbortSignal | undefined) => Promise<Session<S>>,
  definition: ChannelDefinition<A, I, O>,
  args: A,
  source: StreamSource<I>,
  options: StreamOptions | undefined,
): RemoteStream<O> {
  const p = prepareOpen(definition, 'channel', args, options, credit)
  const it = iteratorOf<I>(source, '"source"')
  return new RemoteStream<O>(() =>
    sessionFor(`channel '${definition.name}'`, p.signal).then(
      (s) => {
        try {
          return s.streams.open(definition, p.args, it, p.window, p.signal).rx as Inflow<O>
        } catch (e) {
          closeQuietly(it)
          throw e
        }
      },
      (e) => {
        closeQuietly(it)
        throw e
      },
    ),
  )
}

/**
 * A client's stream (PROTOCOL.md 14): checks its arguments now and opens it on the first read,
 * on the session `sessionFor` gives (now, or once connected). @internal
 */
export function openStream<S, A, T>(
  credit: number,
  sessionFor: (what: string, signal: AbortSignal | undefined) => Promise<Session<S>>,
  definition: StreamDefinition<A, T>,
  args: A,
  options: StreamOptions | undefined,
): RemoteStream<T> {
  const p = prepareOpen(definition, 'stream', args, options, credit)
  return new RemoteStream<T>(() =>
    sessionFor(`stream '${definition.name}'`, p.signal).then((s) => s.streams.open(definition, p.args, null, p.window, p.signal).rx as Inflow<T>),
  )
}
