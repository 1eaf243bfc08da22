import type { PublicKey } from '@kp/crypto'
import { AbortedError } from '../errors/aborted-error.js'
import { ConnectionClosedError } from '../errors/connection-closed-error.js'
import type { RecordStats } from '../record/record-opener.js'
import type { ChannelDefinition, SinkDefinition, StreamDefinition } from '../stream/definitions.js'
import type { RemoteStream } from '../stream/remote-stream.js'
import type { SinkOptions, StreamOptions, StreamSource } from '../stream/types.js'
import type { Command } from './command.js'
import type { CallContext, CallOptions, SessionContext } from './context.js'

/**
 * One incoming call (or push) being handled: it is the handler's `ctx` and the connection's
 * bookkeeping at once. A class with prototype getters, not an object literal of closures: one
 * small allocation per call on the hot path. The AbortController is made only if the handler
 * reads `signal`. @internal
 */
export class IncomingCall<S> implements CallContext<S> {
  controller: AbortController | undefined = undefined
  cancelled = false
  /** Why the handler was told to stop, when it is not a plain CANCEL of a call (streams). */
  cancelReason: Error | undefined = undefined

  constructor(private readonly conn: SessionContext<S> & { readonly isClosed: boolean; readonly closeReason: string }) {}

  get session(): S {
    return this.conn.session
  }
  get remoteId(): PublicKey | null {
    return this.conn.remoteId
  }
  get token(): Uint8Array {
    return this.conn.token
  }
  get remoteAddress(): string {
    return this.conn.remoteAddress
  }
  get stats(): Readonly<RecordStats> {
    return this.conn.stats
  }
  get bufferedAmount(): number {
    return this.conn.bufferedAmount
  }
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController()
      if (this.cancelled) this.controller.abort(this.cancelReason ?? new AbortedError('call cancelled by the caller'))
      else if (this.conn.isClosed) this.controller.abort(new ConnectionClosedError(this.conn.closeReason))
    }
    return this.controller.signal
  }
  call<A, R>(command: Command<A, R>, args: NoInfer<A>, options?: CallOptions): Promise<R> {
    return this.conn.call(command, args, options)
  }
  push<A>(command: Command<A, any>, args: NoInfer<A>): void {
    this.conn.push(command, args)
  }
  stream<A, T>(definition: StreamDefinition<A, T>, args: A, options?: StreamOptions): RemoteStream<T> {
    return this.conn.stream(definition, args, options)
  }
  sink<A, T, R>(definition: SinkDefinition<A, T, R>, args: A, source: StreamSource<T>, options?: SinkOptions): Promise<R> {
    return this.conn.sink(definition, args, source, options)
  }
  channel<A, I, O>(definition: ChannelDefinition<A, I, O>, args: A, source: StreamSource<I>, options?: StreamOptions): RemoteStream<O> {
    return this.conn.channel(definition, args, source, options)
  }
  close(reason?: string): void {
    this.conn.close(reason ?? 'closed by the application')
  }

  /** The caller cancelled, or the connection closed: abort the handler's signal. */
  abort(reason: Error): void {
    this.controller?.abort(reason)
  }

  /** A stream handler must stop (STOP, CANCEL): the signal aborts with `reason`, now or when first read. */
  stopWith(reason: Error): void {
    if (this.cancelled) return
    this.cancelled = true
    this.cancelReason = reason
    this.controller?.abort(reason)
  }
}
