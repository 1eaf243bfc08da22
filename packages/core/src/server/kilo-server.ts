import { CookieJar } from '../handshake/cookie-jar.js'
import type { Command } from '../rpc/command.js'
import { encodeValue } from '../rpc/encode-value.js'
import type { SessionContext } from '../rpc/context.js'
import type { KiloInterface } from '../rpc/kilo-interface.js'
import type { Session } from '../rpc/session.js'
import type { Transport, TransportListener } from '../transport/transport.js'
import { Emitter } from '../util/emitter.js'
import type { Logger } from '../util/logger.js'
import { encodeReject } from '../protocol/handshake-frames.js'
import { RejectCode } from '../protocol/constants.js'
import { FullRefusals } from './full-refusals.js'
import { ResumeRegistry } from './resume-registry.js'
import { HandshakeLimits } from './handshake-limits.js'
import { sendRefusal } from './refusal.js'
import { type ResolvedServeOptions, resolveServeOptions, type ServeOptions } from './serve-options.js'
import { type ServerHandshakeHost, ServerHandshakeDriver } from './server-handshake-driver.js'

export type { AuthorizeInfo, ResumeServeOptions, ServeOptions } from './serve-options.js'

/** Events of a {@link KiloServer}: sessions as they open and close (for code that tracks them). */
export interface ServerEvents<S> {
  /** A client finished its handshake and was authorized; its connect hooks run next. */
  session: [session: SessionContext<S>]
  /** A session ended, with the reason. */
  sessionClosed: [session: SessionContext<S>, reason: string]
  /** A resumable session lost its link; it waits up to `resume.windowMs` for its client (PROTOCOL.md 15). */
  sessionInterrupted: [session: SessionContext<S>, reason: string]
  /** An interrupted session's client came back: the session carries on over the new link. */
  sessionResumed: [session: SessionContext<S>]
}

/** Listeners already handed to a `serve()`: a listener has one accept callback. */
const served = new WeakSet<TransportListener>()

/**
 * A running server: one interface on one or more listeners. Made by {@link serve}.
 */
export class KiloServer<S = unknown> extends Emitter<ServerEvents<S>> {
  /** Addresses of the listeners. */
  readonly addresses: { host: string; port: number }[]
  private readonly transportListeners: TransportListener[]
  private readonly connections = new Set<Session<S>>()
  private readonly host: ServerHandshakeHost<S>
  private readonly closedWaiters = new Set<() => void>()
  private closing = false

  /** @internal use {@link serve} */
  constructor(listeners: TransportListener[], iface: KiloInterface<S>, options: ResolvedServeOptions<S>) {
    super()
    this.transportListeners = listeners
    this.addresses = listeners.map((l) => l.address)
    const server = this
    this.host = {
      options,
      iface,
      log: options.logger,
      limits: new HandshakeLimits(options),
      cookies: new CookieJar(),
      halfOpen: new Set<Transport>(),
      get sessionCount() {
        return server.connections.size
      },
      get closing() {
        return server.closing
      },
      opened: (s) => this.opened(s),
      closed: (s, reason) => this.sessionEnded(s, reason),
      settled: () => this.settleIfIdle(),
      full: new FullRefusals(options.logger),
      registry: options.resume ? new ResumeRegistry<S>() : null,
      resumed: (s) => {
        this.host.log.info?.(`session ${s.remoteAddress} resumed`)
        this.emit('sessionResumed', s)
      },
      interrupted: (s, reason) => {
        this.host.log.info?.(`session ${s.remoteAddress} interrupted: ${reason}`)
        this.emit('sessionInterrupted', s, reason)
      },
    }
    for (const l of listeners) l.onConnection((t) => this.accept(t, l))
  }

  /** Established sessions right now. */
  get sessionCount(): number {
    return this.connections.size
  }

  /** Resumable sessions waiting for their client right now (counted in `sessionCount` too). */
  get waitingCount(): number {
    return this.host.registry?.waiting ?? 0
  }

  /** Handshakes in progress right now. */
  get halfOpenCount(): number {
    return this.host.halfOpen.size
  }

  /** Connections refused with REJECT `Full` so far (`maxSessions`, or a listener's `maxConnections`). */
  get refusedFullCount(): number {
    return this.host.full.total
  }

  /** The live sessions (their contexts), for broadcasts. */
  sessions(): Iterable<SessionContext<S>> {
    return this.connections.values()
  }

  /**
   * Pushes one command to many sessions, encoding its arguments once (each session still seals
   * its own record). Sessions for which `filter` returns false are skipped, and so are sessions
   * that close meanwhile. Returns how many sessions it was queued for.
   * @example
   * server.pushAll(cmdNews, 'hello everyone')
   */
  pushAll<A>(command: Command<A, any>, args: NoInfer<A>, filter?: (session: SessionContext<S>) => boolean): number {
    const encoded = encodeValue(command.args, args)
    let n = 0
    for (const s of this.connections) {
      if (filter && !filter(s)) continue
      if (s.pushEncoded(command.name, encoded)) n++
    }
    return n
  }

  /** Stops the listeners, closes every session (CLOSE sent) and resolves when all are gone. */
  async close(): Promise<void> {
    if (!this.closing) {
      // New transports are refused from here on; sessions get their CLOSE while the
      // listeners (a UDP socket is shared by all sessions) can still carry it.
      this.closing = true
      for (const c of [...this.connections]) c.close('server closing')
      for (const t of [...this.host.halfOpen]) t.close()
      await Promise.all(this.transportListeners.map((l) => l.close()))
    }
    if (this.connections.size === 0 && this.host.halfOpen.size === 0) return
    await new Promise<void>((resolve) => {
      this.closedWaiters.add(resolve)
      this.settleIfIdle()
    })
  }

  private accept(transport: Transport, pool: TransportListener): void {
    if (this.closing) {
      transport.close()
      return
    }
    if (transport.refusal === 'full') {
      // the listener is at its maxConnections: tell the client, then close (PROTOCOL.md 4.7)
      this.host.full.refused(`maxConnections of the listener on ${pool.address.host}:${pool.address.port}`)
      sendRefusal(transport, encodeReject(RejectCode.Full, 'server full: connection limit reached, retry later'))
      transport.close()
      return
    }
    new ServerHandshakeDriver<S>(transport, pool, this.host)
  }

  private opened(s: Session<S>): void {
    this.connections.add(s)
    const id = s.remoteId
    this.host.log.info?.(`session ${s.remoteAddress} established${id ? ` (client ${id.toString()})` : ' (anonymous)'}`)
    this.emit('session', s)
  }

  private sessionEnded(s: Session<S>, reason: string): void {
    this.host.registry?.delete(s)
    if (this.connections.delete(s)) {
      this.host.log.info?.(`session ${s.remoteAddress} closed: ${reason}`)
      this.emit('sessionClosed', s, reason)
    }
    this.settleIfIdle()
  }

  private settleIfIdle(): void {
    if (this.closing && this.connections.size === 0 && this.host.halfOpen.size === 0) for (const w of this.closedWaiters) w()
  }
}

/**
 * Serves one interface on one or more listeners (TCP, UDP, WebSocket, in-memory...).
 * @example
 * const server = serve(await tcpListener({ port: 8080 }), api, { key, session: () => new Session() })
 */
export function serve<S>(listeners: TransportListener | TransportListener[], iface: KiloInterface<S>, options: ServeOptions<S>): KiloServer<S> {
  const resolved = resolveServeOptions(options)
  const list = Array.isArray(listeners) ? listeners : [listeners]
  if (list.length === 0) throw new RangeError('"listeners" expected at least one listener')
  for (const l of list) {
    if (!l || typeof l.onConnection !== 'function')
      throw new TypeError('"listeners" expected TransportListener objects (tcpListener, wsListener, udpListener, memoryListener...)')
    if (served.has(l))
      throw new TypeError(
        `the listener on ${l.address.host}:${l.address.port} is already served: one serve() per listener (pass several listeners to one serve() instead)`,
      )
    if (l.isClosed === true) throw new TypeError(`the listener on ${l.address.host}:${l.address.port} is closed: open a new one`)
  }
  for (const l of list) served.add(l)
  return new KiloServer<S>(list, iface, resolved)
}

export type { Logger }
