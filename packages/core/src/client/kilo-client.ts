import { PublicKey, type SigningKey } from '@kp/crypto'
import { AbortedError } from '../errors/aborted-error.js'
import { ConnectionClosedError } from '../errors/connection-closed-error.js'
import { HandshakeError } from '../errors/handshake-error.js'
import { Defaults } from '../protocol/constants.js'
import type { Command } from '../rpc/command.js'
import type { Connection } from '../rpc/connection.js'
import type { CallOptions, PeerApi } from '../rpc/context.js'
import type { KiloInterface } from '../rpc/kilo-interface.js'
import type { Connector } from '../transport/transport.js'
import { Emitter } from '../util/emitter.js'
import { type Logger, silentLogger } from '../util/logger.js'
import { openSession } from './open-session.js'

/** Connection state of a {@link KiloClient}. */
export type ClientState = 'connecting' | 'connected' | 'disconnected' | 'closed'

/** Reconnect backoff settings. */
export interface ReconnectOptions {
  /** First delay. Default 100 ms. */
  minDelayMs?: number
  /** Largest delay. Default 10 000 ms. */
  maxDelayMs?: number
}

/** Options of {@link connect}. */
export interface ConnectOptions<S = unknown> {
  /** Commands this client answers (server-initiated calls and pushes). */
  iface?: KiloInterface<S>
  /** The client's own session object, passed to `iface` handlers as `ctx.session`. */
  session?: S
  /** The client's Ed25519 identity; absent: anonymous. */
  key?: SigningKey
  /** Pin: the handshake fails with `HandshakeError('pin-mismatch')` on any other server key. */
  serverId?: PublicKey | Uint8Array | string
  /** Reconnect with exponential backoff and jitter (default true). */
  reconnect?: boolean | ReconnectOptions
  /** Default 10 000 ms. */
  handshakeTimeoutMs?: number
  /**
   * Datagram transports: ask for reliable mode (PROTOCOL.md 9): KCP-style retransmission inside
   * the encrypted session, messages up to 255 datagrams, no default call timeout. Ignored on
   * reliable transports. Default false.
   */
  reliable?: boolean
  /** Default call timeout: none on reliable transports and in reliable datagram mode, 10 s on datagram transports. 0: none. */
  callTimeoutMs?: number
  /** Our calls in flight at once; more wait locally. Default 1024. */
  maxInFlight?: number
  /** Aborting closes the client. */
  signal?: AbortSignal
  logger?: Logger
}

/** Events of a {@link KiloClient}. */
export interface ClientEvents {
  state: [ClientState]
  connected: []
  disconnected: [reason: string]
  error: [Error]
}

/** A call made while not connected waits here. */
interface Waiter {
  resolve(c: Connection<unknown>): void
  reject(e: Error): void
  /** A call may go out right after FINISH on reliable transports; `ready()` waits for READY. */
  early: boolean
}

/** Handshake failures that retrying cannot fix: stop instead of reconnecting. */
const FATAL_CHECKS = new Set(['pin-mismatch', 'bad-signature', 'unauthorized', 'unsupported-version', 'low-order-key'])

/**
 * A client: connects, reconnects with backoff unless told not to, and calls the server.
 * Calls made while (re)connecting wait for the connection.
 */
export class KiloClient<S = unknown> extends Emitter<ClientEvents> implements PeerApi {
  private readonly connector: Connector
  private readonly options: ConnectOptions<S>
  private readonly serverId: PublicKey | undefined
  private connection: Connection<S> | null = null
  /** Reliable transports: the connection between FINISH and READY, already usable for calls. */
  private early: Connection<S> | null = null
  private waiters: Waiter[] = []
  private _state: ClientState = 'connecting'
  private attempt = 0
  private lastError: Error | null = null
  private readonly abort = new AbortController()
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private shutDown = false

  constructor(connector: Connector, options: ConnectOptions<S> = {}) {
    super()
    if (typeof connector !== 'function') throw new TypeError('"connector" expected a function (signal?) => Promise<Transport>')
    this.connector = connector
    this.options = options
    this.serverId = options.serverId === undefined ? undefined : PublicKey.from(options.serverId)
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

  /** Resolves when connected; rejects when the client closes or a fatal handshake error happens. */
  ready(): Promise<void> {
    return this.current(undefined, false).then(() => undefined)
  }

  call<A, R>(command: Command<A, R>, args: NoInfer<A>, options?: CallOptions): Promise<R> {
    const c = this.connection ?? this.early
    if (c && !c.isClosed) return c.call(command, args, options)
    return this.current(options?.signal, true).then((conn) => conn.call(command, args, options))
  }

  push<A>(command: Command<A, any>, args: NoInfer<A>): void {
    const c = this.connection
    if (!c || c.isClosed) throw new ConnectionClosedError(`not connected (state: ${this._state})`)
    c.push(command, args)
  }

  /** Closes the connection and stops reconnecting. Resolves when closed. */
  close(): Promise<void> {
    this.shutdown()
    return Promise.resolve()
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
    this.failWaiters(new ConnectionClosedError('client closed'))
    if (c && !c.isClosed) c.close('client closed')
  }

  /** Starts one connect attempt; `run` handles its own failures, this catches a bug in it. */
  private startRun(): void {
    this.run().then(undefined, (e) => {
      ;(this.options.logger ?? silentLogger).error?.(`client connect loop failed: ${(e as Error)?.stack ?? e}`)
      this.lastError = e as Error
      this.shutdown()
    })
  }

  private current(signal: AbortSignal | undefined, early: boolean): Promise<Connection<S>> {
    const c = this.connection ?? (early ? this.early : null)
    if (c && !c.isClosed) return Promise.resolve(c)
    if (this.isClosed) return Promise.reject(this.lastError ?? new ConnectionClosedError('client closed'))
    return new Promise((resolve, reject) => {
      const w: Waiter = { resolve: resolve as (c: Connection<unknown>) => void, reject, early }
      this.waiters.push(w)
      signal?.addEventListener(
        'abort',
        () => {
          const i = this.waiters.indexOf(w)
          if (i >= 0) this.waiters.splice(i, 1)
          reject(new AbortedError('call', { cause: signal.reason }))
        },
        { once: true },
      )
    })
  }

  private failWaiters(e: Error): void {
    const ws = this.waiters
    this.waiters = []
    for (const w of ws) w.reject(e)
  }

  private setState(s: ClientState): void {
    if (this._state === s) return
    this._state = s
    this.emit('state', s)
  }

  private async run(): Promise<void> {
    if (this.isClosed) return
    this.setState('connecting')
    const o = this.options
    const log = o.logger ?? silentLogger
    try {
      const transport = await this.connector(this.abort.signal)
      if (this.isClosed) {
        transport.close()
        return
      }
      const conn = await openSession<S>(transport, {
        key: o.key,
        serverId: this.serverId,
        iface: o.iface,
        session: o.session as S,
        handshakeTimeoutMs: o.handshakeTimeoutMs ?? Defaults.handshakeTimeoutMs,
        maxInFlight: o.maxInFlight ?? Defaults.maxInFlight,
        callTimeoutMs: o.callTimeoutMs ?? (transport.reliable || o.reliable ? 0 : Defaults.datagramCallTimeoutMs),
        reliable: o.reliable ?? false,
        logger: log,
        signal: this.abort.signal,
        onFinishSent: (early) => {
          this.early = early
          const go = this.waiters.filter((w) => w.early)
          this.waiters = this.waiters.filter((w) => !w.early)
          for (const w of go) w.resolve(early as Connection<unknown>)
        },
        onClose: (reason) => this.onDisconnected(reason),
      })
      this.early = null
      if (this.isClosed) {
        conn.close('client closed')
        return
      }
      this.attempt = 0
      this.lastError = null
      this.connection = conn
      this.setState('connected')
      this.emit('connected')
      const ws = this.waiters
      this.waiters = []
      for (const w of ws) w.resolve(conn as Connection<unknown>)
    } catch (e) {
      this.early = null
      if (this.isClosed) return
      const error = e as Error
      this.lastError = error
      log.debug?.(`connect failed: ${error.message}`)
      this.emit('error', error)
      const fatal = HandshakeError.isInstance(error) && FATAL_CHECKS.has(error.check)
      if (fatal || !this.reconnectEnabled()) {
        this.failWaiters(error)
        this.setState('closed')
        this.abort.abort()
        return
      }
      this.setState('disconnected')
      this.scheduleReconnect()
    }
  }

  private onDisconnected(reason: string): void {
    if (this.isClosed) return
    this.connection = null
    this.setState('disconnected')
    this.emit('disconnected', reason)
    if (!this.reconnectEnabled()) {
      this.lastError = new ConnectionClosedError(reason)
      this.setState('closed')
      this.failWaiters(this.lastError)
      return
    }
    this.scheduleReconnect()
  }

  private reconnectEnabled(): boolean {
    return this.options.reconnect !== false
  }

  private scheduleReconnect(): void {
    const r = typeof this.options.reconnect === 'object' ? this.options.reconnect : {}
    const min = r.minDelayMs ?? 100
    const max = r.maxDelayMs ?? 10_000
    const base = Math.min(max, min * 2 ** this.attempt)
    this.attempt++
    // "equal jitter": half fixed, half random, so clients restarting together spread out
    const delay = base / 2 + Math.random() * (base / 2)
    this.retryTimer = setTimeout(() => this.startRun(), delay)
  }
}

/**
 * Connects to a server through a transport connector and returns the client at once; it
 * connects in the background (await `client.ready()` to wait).
 * @example
 * const client = connect(tcpConnector({ host: '127.0.0.1', port: 8080 }), { serverId })
 * await client.call(cmdPing, 'hello')
 */
export function connect<S = unknown>(connector: Connector, options?: ConnectOptions<S>): KiloClient<S> {
  return new KiloClient<S>(connector, options)
}
