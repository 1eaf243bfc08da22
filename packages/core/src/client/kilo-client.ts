import { type PublicKey, type X25519Exchange, x25519Exchange } from '@kp/crypto'
import { ConnectionClosedError } from '../errors/connection-closed-error.js'
import { NotConnectedError } from '../errors/not-connected-error.js'
import type { LinkClose } from '../link/close-code.js'
import { Defaults } from '../protocol/constants.js'
import type { Command } from '../rpc/command.js'
import type { CallOptions, PeerApi } from '../rpc/context.js'
import type { Session } from '../rpc/session.js'
import type { ChannelDefinition, SinkDefinition, StreamDefinition } from '../stream/definitions.js'
import type { RemoteStream } from '../stream/remote-stream.js'
import { streamsFor } from '../stream/stream-support.js'
import type { SinkOptions, StreamOptions, StreamSource } from '../stream/types.js'
import type { Connector } from '../transport/transport.js'
import { Emitter } from '../util/emitter.js'
import { defaultLogger, type Logger } from '../util/logger.js'
import { integerOption } from '../util/options.js'
import { ResumeRefusedError } from '../errors/resume-refused-error.js'
import { resolveResume } from '../rpc/resume-options.js'
import { ClientHandshakeDriver } from './client-handshake-driver.js'
import type { ClientEvents, ClientState, ConnectOptions, ReadyOptions } from './connect-options.js'
import { ConnectionWaiters } from './connection-waiters.js'
import { type Pinning, prepareServerCheck, resolvePinning } from './server-check.js'
import { ReconnectPolicy } from './reconnect-policy.js'

export type { ReconnectOptions } from './reconnect-policy.js'
export type { ClientEvents, ClientState, ConnectOptions, ReadyOptions } from './connect-options.js'

/**
 * A client: connects, reconnects with backoff unless told not to, and calls the server.
 * Calls made while (re)connecting wait for the connection, within their timeout.
 */
export class KiloClient<S = unknown> extends Emitter<ClientEvents> implements PeerApi {
  private readonly connector: Connector
  private readonly options: ConnectOptions<S>
  private readonly pinning: Pinning
  private readonly log: Logger
  private readonly policy: ReconnectPolicy
  private readonly waiters: ConnectionWaiters
  private connection: Session<S> | null = null
  /** Reliable transports: the session between FINISH and READY, already usable for calls. */
  private early: Session<S> | null = null
  private _state: ClientState = 'connecting'
  private announced = false
  private lastError: Error | null = null
  private lastAddress: string | null = null
  private readonly abort = new AbortController()
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private shutDown = false
  /** Resumable sessions asked for (PROTOCOL.md 15); null: off. */
  private readonly resumable: { maxBytes: number } | null
  /** A connect attempt is running. */
  private attempting = false

  constructor(connector: Connector, options: ConnectOptions<S> = {}) {
    super()
    if (typeof connector !== 'function')
      throw new TypeError('"connector" expected a function (signal?) => Promise<Transport>, e.g. tcpConnector({ host, port })')
    if (options === null || typeof options !== 'object') throw new TypeError('"options" expected an object')
    this.connector = connector
    this.options = options
    // without serverId, knownServers or insecureAcceptAnyServer this throws PinningRequiredError
    this.pinning = resolvePinning(options)
    integerOption('callTimeoutMs', options.callTimeoutMs, 0, 0, Defaults.maxTimerMs)
    integerOption('handshakeTimeoutMs', options.handshakeTimeoutMs, 0, 1, Defaults.maxTimerMs)
    integerOption('maxInFlight', options.maxInFlight, 1, 1, 1 << 20)
    integerOption('maxStreams', options.maxStreams, 1, 1, 1 << 20)
    integerOption('streamCredit', options.streamCredit, 1, 1, Defaults.maxCredit)
    this.resumable = resolveResume('options.resume', options.resume, 1)
    this.log = options.logger ?? defaultLogger
    this.policy = new ReconnectPolicy(options.reconnect)
    this.waiters = new ConnectionWaiters(() => this.whyNotConnected())
    options.signal?.addEventListener('abort', () => this.shutdown(), { once: true })
    queueMicrotask(() => this.startRun())
  }

  private get isClosed(): boolean {
    return this._state === 'closed'
  }

  /** Current state. */
  get state(): ClientState {
    return this._state
  }

  /** The server's verified key while connected. */
  get remoteId(): PublicKey | null {
    return this.connection?.remoteId ?? null
  }

  /** The session token while connected (compare it out of band to rule out a man in the middle). */
  get token(): Uint8Array | null {
    return this.connection?.token ?? null
  }

  /** Record statistics of the current connection. */
  get stats() {
    return this.connection?.stats ?? null
  }

  /**
   * Resolves when connected; rejects when the client closes, after a fatal handshake error, or
   * with `TimeoutError` after `timeoutMs` (saying why there is no connection).
   */
  ready(options: ReadyOptions = {}): Promise<void> {
    const timeoutMs = integerOption('timeoutMs', options.timeoutMs, 0, 0, Defaults.maxTimerMs)
    const c = this.usable(false)
    if (c) return Promise.resolve()
    if (this.isClosed) return Promise.reject(this.lastError ?? new ConnectionClosedError('client closed'))
    return this.waiters.wait<S>('ready()', false, timeoutMs, options.signal).then(() => undefined)
  }

  /**
   * Calls a command on the server. While not connected the call waits for a connection; its
   * timeout (`options.timeoutMs`, else `callTimeoutMs`) covers the wait and the call together.
   */
  call<A, R>(command: Command<A, R>, args: NoInfer<A>, options?: CallOptions): Promise<R> {
    const c = this.usable(true)
    if (c) return c.call(command, args, options)
    if (this.isClosed) return Promise.reject(this.lastError ?? new ConnectionClosedError('client closed', { outcome: 'not-sent' }))
    const timeoutMs = options?.timeoutMs ?? this.options.callTimeoutMs ?? Defaults.callTimeoutMs
    const started = Date.now()
    return this.waiters.wait<S>(`call '${command?.name}'`, true, timeoutMs, options?.signal).then((conn) => {
      if (options?.timeoutMs === undefined || timeoutMs === 0) return conn.call(command, args, options)
      // what is left of the caller's timeout after waiting for the connection
      return conn.call(command, args, { ...options, timeoutMs: Math.max(1, timeoutMs - (Date.now() - started)) })
    })
  }

  /**
   * Sends a fire-and-forget PUSH. Throws `NotConnectedError` while there is no connection (a
   * push has nothing to wait on): use `call`, or `await client.ready()` first.
   */
  push<A>(command: Command<A, any>, args: NoInfer<A>): void {
    const c = this.usable(true)
    if (!c) {
      throw new NotConnectedError(
        this.isClosed
          ? `push '${command?.name}': the client is closed`
          : `push '${command?.name}': not connected yet (state: ${this._state}); await client.ready() first, or use call(), which waits for the connection`,
      )
    }
    c.push(command, args)
  }

  /**
   * Opens a stream on the server (PROTOCOL.md 14) and returns its items at once; the stream opens
   * on the first read, waiting for a connection (within `callTimeoutMs`) if there is none. A
   * stream never outlives its session: when it ends, reading fails with `ConnectionClosedError`
   * (a resumable session survives a dropped connection, and its streams with it).
   * @example
   * for await (const t of client.stream(ticks, 100, { credit: 64 })) if (t > 10n) break
   */
  stream<A, T>(definition: StreamDefinition<A, T>, args: A, options?: StreamOptions): RemoteStream<T> {
    const window = this.options.streamCredit ?? Defaults.streamCredit
    return streamsFor(definition, 'stream').clientStream(window, (what, signal) => this.sessionFor(what, signal), definition, args, options)
  }

  /**
   * Sends `source`'s items (an AsyncIterable, an Iterable or a ReadableStream such as
   * `file.stream()`) to the server's sink and resolves with its result; waits for a connection
   * like a call.
   */
  sink<A, T, R>(definition: SinkDefinition<A, T, R>, args: A, source: StreamSource<T>, options?: SinkOptions): Promise<R> {
    try {
      streamsFor(definition, 'sink').checkSink(definition, args, options)
    } catch (e) {
      return Promise.reject(e)
    }
    const c = this.usable(true)
    if (c) return c.sink(definition, args, source, options)
    return this.sessionFor(`sink '${definition.name}'`, options?.signal).then((s) => s.sink(definition, args, source, options))
  }

  /** Opens a channel on the server: sends `source`'s items, returns the items the server yields. */
  channel<A, I, O>(definition: ChannelDefinition<A, I, O>, args: A, source: StreamSource<I>, options?: StreamOptions): RemoteStream<O> {
    const window = this.options.streamCredit ?? Defaults.streamCredit
    return streamsFor(definition, 'channel').clientChannel(window, (what, signal) => this.sessionFor(what, signal), definition, args, source, options)
  }

  /** The session a stream may use now, or once connected (within `callTimeoutMs`). */
  private sessionFor(what: string, signal: AbortSignal | undefined): Promise<Session<S>> {
    const c = this.usable(true)
    if (c) return Promise.resolve(c)
    if (this.isClosed) return Promise.reject(this.lastError ?? new ConnectionClosedError('client closed', { outcome: 'not-sent' }))
    return this.waiters.wait<S>(what, true, this.options.callTimeoutMs ?? Defaults.callTimeoutMs, signal)
  }

  /** Closes the connection and stops reconnecting. Resolves when closed. */
  close(): Promise<void> {
    this.shutdown()
    return Promise.resolve()
  }

  /** The session calls may use now: the established one, or (for calls) the early one. */
  private usable(early: boolean): Session<S> | null {
    const c = this.connection ?? (early ? this.early : null)
    return c && !c.isClosed ? c : null
  }

  private whyNotConnected(): { detail: string; cause: Error | undefined } {
    const target = this.connector.target ?? this.lastAddress ?? 'the server'
    const attempts = this.policy.attempts
    const cause = this.lastError ?? undefined
    const last = cause ? ` (last error: ${cause.message})` : ''
    if (attempts === 0) return { detail: `no connection to ${target} yet (state: ${this._state})${last}`, cause }
    return { detail: `no connection to ${target} after ${attempts} attempt${attempts === 1 ? '' : 's'}${last}`, cause }
  }

  private shutdown(): void {
    if (this.shutDown) return
    this.shutDown = true
    this.abort.abort()
    clearTimeout(this.retryTimer)
    const c = this.connection ?? this.early
    this.connection = null
    this.early = null
    this.setState('closed')
    this.waiters.failAll(new ConnectionClosedError('client closed', { outcome: 'not-sent' }))
    if (c && !c.isClosed) c.close('client closed')
  }

  private setState(s: ClientState): void {
    if (this._state === s && this.announced) return
    this.announced = true
    this._state = s
    this.emit('state', s)
  }

  /** Starts one connect attempt; `run` handles its own failures, this catches a bug in it. */
  private startRun(): void {
    this.run().then(undefined, (e) => {
      this.log.error?.(`client connect loop failed: ${(e as Error)?.stack ?? e}`)
      this.lastError = e as Error
      this.shutdown()
    })
  }

  private async run(): Promise<void> {
    if (this.isClosed) return
    // an interrupted resumable session is resumed on this attempt (PROTOCOL.md 15)
    const resuming = this.connection?.resumption?.parked ? this.connection : null
    if (!resuming) this.setState('connecting')
    this.attempting = true
    const o = this.options
    // the ephemeral key is made while the transport connects (in browsers: in WebCrypto, whose
    // first use also runs the feature detection); the handshake takes it over
    let exchange: Promise<X25519Exchange> | undefined = x25519Exchange()
    exchange.catch(() => {}) // a failure is reported by the handshake that awaits it
    try {
      const transport = await this.connector(this.abort.signal)
      if (this.isClosed) {
        transport.close()
        return
      }
      this.lastAddress = transport.remoteAddress
      let check: Awaited<ReturnType<typeof prepareServerCheck>>
      try {
        // reads the known-servers store before the handshake, so the check inside it is synchronous
        check = await prepareServerCheck(this.pinning, this.connector.target ?? transport.remoteAddress, this.log)
      } catch (e) {
        transport.close()
        throw e
      }
      const reliableCalls = transport.reliable || o.reliable === true
      const driver = new ClientHandshakeDriver<S>(transport, {
        key: o.key,
        verifyServer: check.verify,
        iface: o.iface,
        session: o.session as S,
        handshakeTimeoutMs: o.handshakeTimeoutMs ?? Defaults.handshakeTimeoutMs,
        maxInFlight: o.maxInFlight ?? Defaults.maxInFlight,
        maxStreams: o.maxStreams,
        streamCredit: o.streamCredit,
        callTimeoutMs: o.callTimeoutMs ?? (reliableCalls ? Defaults.callTimeoutMs : Defaults.datagramCallTimeoutMs),
        reliable: o.reliable ?? false,
        errors: o.errors,
        resume: this.resumable ? { maxBytes: this.resumable.maxBytes, session: resuming ?? undefined } : undefined,
        onInterrupted: (close) => this.onInterrupted(close),
        exchange,
        logger: this.log,
        signal: this.abort.signal,
        onFinishSent: (early) => {
          this.early = early
          this.waiters.release(early as Session<unknown>, true)
        },
        onEstablished: (session) => {
          this.established(session)
          // records the id on first use; a different id recorded meanwhile ends the session
          check.confirm(session.remoteId!).then(undefined, (e) => this.checkFailed(session, e as Error))
        },
        onClose: (close) => this.onDisconnected(close),
      })
      exchange = undefined // the driver's now
      await driver.run()
    } catch (e) {
      this.early = null
      if (this.isClosed) return
      if (resuming && ResumeRefusedError.isInstance(e)) return this.resumeRefused(resuming, e)
      this.failedAttempt(e as Error)
    } finally {
      this.attempting = false
      // not handed to a handshake (closed, no transport, the known-servers read failed)
      exchange?.then(
        (ex) => ex.wipe(),
        () => {},
      )
    }
  }

  /** READY arrived (synchronously, before the server's first messages reach our handlers). */
  private established(session: Session<S>): void {
    this.early = null
    if (this.isClosed) {
      session.close('client closed')
      return
    }
    this.policy.reset()
    this.lastError = null
    if (session === this.connection) {
      this.setState('connected')
      this.emit('resumed')
      return
    }
    this.connection = session
    this.setState('connected')
    this.emit('connected')
    this.waiters.release(session as Session<unknown>, false)
  }

  /** The known-servers record disagrees (another process recorded another id) or cannot be written. */
  private checkFailed(session: Session<S>, error: Error): void {
    this.log.error?.(error.message)
    this.lastError = error
    this.emit('error', error)
    this.shutdown()
    if (!session.isClosed) session.close(error.message)
  }

  private failedAttempt(error: Error): void {
    this.lastError = error
    this.log.debug?.(`connect failed: ${error.message}`)
    this.emit('error', error)
    if (this.policy.isFatal(error) || !this.policy.enabled) {
      this.policy.nextDelay() // counts the attempt for messages
      this.waiters.failAll(error)
      this.setState('closed')
      this.abort.abort()
      return
    }
    this.setState(this.connection ? 'interrupted' : 'disconnected')
    this.scheduleReconnect(error)
  }

  /** A resumable session lost its link: bring it back (calls wait in it meanwhile). */
  private onInterrupted(close: LinkClose): void {
    if (this.isClosed) return
    this.setState('interrupted')
    this.emit('interrupted', close.reason)
    this.scheduleReconnect()
  }

  /** The server would not resume the session: it ends (its calls: outcome unknown), a fresh one follows at once. */
  private resumeRefused(session: Session<S>, error: ResumeRefusedError): void {
    this.lastError = error
    this.log.info?.(error.message)
    this.connection = null
    this.setState('disconnected')
    if (!session.isClosed) session.close(error.message)
    this.emit('resumeRefused', error)
    clearTimeout(this.retryTimer)
    this.retryTimer = setTimeout(() => this.startRun(), 0)
  }

  private onDisconnected(close: LinkClose): void {
    if (this.isClosed) return
    const wasInterrupted = this._state === 'interrupted'
    this.connection = null
    this.setState('disconnected')
    this.emit('disconnected', close.reason)
    // the session did not come back within its window (or its buffer overflowed): a fresh one follows
    if (wasInterrupted) this.emit('resumeRefused', new ResumeRefusedError(close.code === 'limit' ? 'buffer' : 'expired', close.reason))
    if (!this.policy.enabled) {
      this.lastError = new ConnectionClosedError(close.reason, { outcome: 'not-sent' })
      this.setState('closed')
      this.waiters.failAll(this.lastError)
      return
    }
    // a resume attempt under way continues as a fresh connection; one scheduled is kept
    if (this.attempting || (wasInterrupted && this.retryTimer !== undefined)) return
    this.scheduleReconnect()
  }

  private scheduleReconnect(error?: Error): void {
    clearTimeout(this.retryTimer)
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      this.startRun()
    }, this.policy.nextDelay(error))
  }
}
