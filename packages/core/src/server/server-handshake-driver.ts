import { randomBytes, wipe } from '@kp/crypto'
import { HandshakeError } from '../errors/handshake-error.js'
import type { CookieJar } from '../handshake/cookie-jar.js'
import { ServerHandshake, type ServerHandshakeResult } from '../handshake/server-handshake.js'
import { Defaults, FrameType, RECORD_OVERHEAD, RejectCode } from '../protocol/constants.js'
import { encodeCookie, encodeReject, type FrameParseError, parseHello } from '../protocol/handshake-frames.js'
import { Link } from '../link/link.js'
import { sweptLiveness } from '../link/liveness-sweep.js'
import { writeSession } from '../protocol/messages.js'
import { createSession } from '../rpc/create-session.js'
import type { KiloInterface } from '../rpc/kilo-interface.js'
import type { Session } from '../rpc/session.js'
import type { Transport, TransportListener } from '../transport/transport.js'
import { bytesEqual } from '../util/bytes.js'
import type { Logger } from '../util/logger.js'
import type { FullRefusals } from './full-refusals.js'
import type { HandshakeLimits } from './handshake-limits.js'
import { sendRefusal } from './refusal.js'
import { ResumeGate } from './resume-gate.js'
import type { ResumeRegistry } from './resume-registry.js'
import type { ResolvedServeOptions } from './serve-options.js'

/** What a handshake driver shares with the server that runs it. @internal */
export interface ServerHandshakeHost<S> {
  readonly options: ResolvedServeOptions<S>
  readonly iface: KiloInterface<S>
  readonly log: Logger
  readonly limits: HandshakeLimits
  readonly cookies: CookieJar
  /** Established sessions right now (the `maxSessions` check). */
  readonly sessionCount: number
  /** True once the server is closing: nothing new is admitted. */
  readonly closing: boolean
  /** Handshakes in progress, for close(). */
  readonly halfOpen: Set<Transport>
  /** A session was established (it is not yet counted). */
  opened(session: Session<S>): void
  /** A session ended. */
  closed(session: Session<S>, reason: string): void
  /** A handshake ended without a session (for close() to settle). */
  settled(): void
  /** Refusals of a full server, logged once per interval. */
  readonly full: FullRefusals
  /** Resumable sessions by resume id (PROTOCOL.md 15); null when resumption is off. */
  readonly registry: ResumeRegistry<S> | null
  /** A session moved to a new link. */
  resumed(session: Session<S>): void
  /** A resumable session lost its link and waits. */
  interrupted(session: Session<S>, reason: string): void
}

/** Records kept while `authorize` runs (PROTOCOL.md 4.3): count, and bytes as frame multiples. */
const EARLY_RECORDS = { frames: 1024, frameMultiple: 2 } as const

type Phase = 'hello' | 'finish' | 'authorizing' | 'done'

/**
 * The server side of one handshake on one transport (PROTOCOL.md 4), as named steps:
 * {@link onHello} (parse, admit or ask for a cookie, WELCOME), {@link onFinish} (verify, the
 * peer is proven), {@link authorize}, {@link establish} (the session takes over the transport).
 * Frames that are not valid in the current step end a reliable transport and are dropped on
 * datagrams. @internal
 */
export class ServerHandshakeDriver<S> {
  private phase: Phase = 'hello'
  private hs: ServerHandshake | null = null
  private session: Session<S> | null = null
  /** The link frames go to once the handshake is done (a resumed session's new link, too). */
  private link: Link | null = null
  /** Records that arrived while `authorize` ran (made on the first). */
  private early: Uint8Array[] | null = null
  private earlyBytes = 0
  private leavePool: (() => void) | null = null
  /** The handshake time limit; null once cleared (nothing of the handshake outlives it). */
  private timer: ReturnType<typeof setTimeout> | null

  constructor(
    private readonly transport: Transport,
    private readonly pool: TransportListener,
    private readonly host: ServerHandshakeHost<S>,
  ) {
    const ms = host.options.handshakeTimeoutMs
    this.timer = setTimeout(() => this.fail(new HandshakeError('timeout', `no complete handshake within ${ms} ms`)), ms)
    transport.setHandlers({ frame: (f) => this.onFrame(f), close: (e) => this.onClose(e) })
  }

  // ---------------------------------------------------------------- routing

  private onFrame(frame: Uint8Array): void {
    if (this.link) return this.link.onFrame(frame)
    const type = frame[0]
    const reliable = this.transport.reliable
    if (this.phase !== 'authorizing' && frame.length > Defaults.handshakeFrameMax) {
      // before FINISH verifies only handshake-sized frames are valid (transports enforce it too)
      if (reliable) this.fail(new HandshakeError('malformed', `frame of ${frame.length} bytes during the handshake (at most ${Defaults.handshakeFrameMax})`))
      return
    }
    switch (this.phase) {
      case 'hello':
        if (type === FrameType.Hello) return this.onHello(frame)
        break
      case 'finish':
        if (type === FrameType.Finish) return this.onFinish(frame)
        // a repeated HELLO gets the same WELCOME again (our WELCOME was lost)
        if (type === FrameType.Hello && !reliable) {
          if (bytesEqual(frame, this.hs!.hello)) this.transport.send(this.hs!.welcome)
          return
        }
        break
      case 'authorizing':
        // records may follow FINISH at once on reliable transports; keep them for the session
        if (reliable && type === FrameType.Record) return this.holdEarlyRecord(frame)
        return
      case 'done':
        return
    }
    if (reliable) this.fail(new HandshakeError('malformed', `expected ${this.phase === 'hello' ? 'HELLO' : 'FINISH'}, got frame type ${type}`))
  }

  private onClose(error: Error | undefined): void {
    if (this.link) return this.link.onTransportClose(error)
    if (this.phase === 'done') return
    this.phase = 'done'
    this.leaveHalfOpen()
    this.host.settled()
  }

  // ---------------------------------------------------------------- steps

  /** Step 1: HELLO. Parse, admit it under the limits (or answer COOKIE / REJECT busy), send WELCOME. */
  private onHello(frame: Uint8Array): void {
    const transport = this.transport
    let ephemeral: Uint8Array
    let cookie: Uint8Array
    try {
      ;({ ephemeral, cookie } = parseHello(frame))
    } catch (e) {
      const fe = e as FrameParseError
      if (!transport.reliable && fe.reason === 'malformed') return this.fail(new HandshakeError('malformed', fe.message))
      const code = fe.reason === 'unsupported-version' ? RejectCode.UnsupportedVersion : RejectCode.Malformed
      return this.fail(new HandshakeError(fe.reason, fe.message), { code, message: fe.message })
    }
    const { cookies, limits, options } = this.host
    const reliable = transport.reliable
    const address = transport.remoteAddress
    const verified = !reliable && cookie.length > 0 && cookies.verify(address, ephemeral, cookie)
    const verdict = !reliable && !verified && options.cookie === 'always' ? 'cookie' : limits.judge(this.pool, address, reliable, verified)
    if (verdict === 'cookie') {
      // Stateless: answer with a cookie and forget this transport (PROTOCOL.md 4.6).
      this.phase = 'done'
      this.clearTimer()
      sendRefusal(transport, encodeCookie(cookies.issue(address, ephemeral)))
      transport.close()
      return
    }
    if (verdict === 'busy') {
      return this.fail(new HandshakeError('busy', `too many handshakes in progress (from ${address} or in all)`), {
        code: RejectCode.Busy,
        message: 'server busy: too many handshakes in progress, retry later',
      })
    }
    // a full server whose waiting sessions may be resumed decides after FINISH (establish)
    if (this.host.sessionCount >= options.maxSessions && !(this.host.registry && this.host.registry.waiting > 0)) {
      this.host.full.refused(`maxSessions ${options.maxSessions}`)
      return this.fail(new HandshakeError('full', 'too many sessions'), { code: RejectCode.Full, message: 'server full: session limit reached, retry later' })
    }
    this.leavePool = limits.enter(this.pool, address, reliable, verified)
    this.host.halfOpen.add(transport)
    try {
      this.hs = new ServerHandshake(frame, options.key)
    } catch (e) {
      return this.fail(e as Error, { code: RejectCode.Malformed, message: (e as Error).message })
    }
    this.phase = 'finish'
    transport.send(this.hs.welcome)
  }

  /** Step 2: FINISH. Verify it; from here the peer has proven the handshake. */
  private onFinish(frame: Uint8Array): void {
    const transport = this.transport
    let result: ServerHandshakeResult
    try {
      result = this.hs!.onFinish(frame)
    } catch (e) {
      // A forged FINISH on a datagram transport must not end a real handshake: drop it.
      if (!transport.reliable && HandshakeError.isInstance(e) && e.check === 'decrypt') return
      return this.fail(e as Error, { code: RejectCode.Malformed, message: (e as Error).message })
    }
    // the peer proved the handshake: the transport may take frames up to maxFrame now
    transport.authenticated?.()
    if (result.reliableRequested && (transport.reliable || !transport.arqEngine)) {
      const msg = transport.reliable ? 'reliable datagram mode requested on a reliable transport' : 'reliable datagram mode is not offered by this transport'
      return this.fail(new HandshakeError('malformed', msg), { code: RejectCode.Malformed, message: msg })
    }
    this.phase = 'authorizing'
    this.authorize(result).then(
      (ok) => this.establish(ok, result, frame),
      (e) => {
        this.host.log.warn?.(`authorize hook failed: ${(e as Error)?.message ?? e}`)
        this.establish(false, result, frame)
      },
    )
  }

  /** Step 3: may this client connect? (`requireClientId`, then the application's `authorize`). */
  private async authorize(result: ServerHandshakeResult): Promise<boolean> {
    const { options } = this.host
    if (options.requireClientId && !result.clientId) return false
    if (!options.authorize) return true
    return await options.authorize(result.clientId, { remoteAddress: this.transport.remoteAddress })
  }

  /** Step 4: the session takes over the transport (READY), or the client is refused (CLOSE). */
  private establish(ok: boolean, result: ServerHandshakeResult, finish: Uint8Array): void {
    if (this.phase !== 'authorizing') return
    this.phase = 'done'
    this.leaveHalfOpen()
    // the handshake state (HELLO, WELCOME, transcript hashes) is not needed once FINISH verified
    this.hs = null
    const host = this.host
    const transport = this.transport
    if (host.closing) {
      transport.close()
      host.settled()
      return
    }
    try {
      if (ok && result.resume === 'resume') return this.resumeLink(result, finish)
      if (ok && host.sessionCount >= host.options.maxSessions) {
        // full, but let in at HELLO because waiting sessions may be resumed (PROTOCOL.md 15)
        host.full.refused(`maxSessions ${host.options.maxSessions}`)
        sendRefusal(transport, encodeReject(RejectCode.Full, 'server full: session limit reached, retry later'))
        transport.close()
        host.settled()
        return
      }
      const s = this.createSession(ok, result, finish)
      if (!ok) {
        s.close(host.options.requireClientId && !result.clientId ? 'unauthorized: this server requires a client identity key' : 'unauthorized')
        host.settled()
        return
      }
      this.session = s
      this.link = s.link
      if (s.resumption) host.registry!.add(s)
      host.opened(s)
      transport.established?.()
      const early = this.early
      this.early = null
      if (early !== null) for (const f of early) s.link.onFrame(f)
      s.runConnectedHooks()
    } catch (e) {
      // a bug, not the peer: end this transport, never the process
      host.log.error?.(`establishing the session of ${transport.remoteAddress} failed: ${(e as Error)?.stack ?? e}`)
      transport.close(e as Error)
      host.settled()
    }
  }

  private createSession(announce: boolean, result: ServerHandshakeResult, finish: Uint8Array): Session<S> {
    const { options, iface, log } = this.host
    const transport = this.transport
    const { keys, clientId } = result
    const arq = result.reliableRequested
    // resumable when the client asked and this server offers it (PROTOCOL.md 15)
    const resume =
      announce && result.resume === 'fresh' && options.resume !== null && keys.resume ? { ...options.resume, key: keys.resume, id: randomBytes(16) } : undefined
    if (!resume && keys.resume) wipe(keys.resume)
    const s: Session<S> = createSession<S>({
      ...this.linkOptions(keys, finish, arq, announce),
      resume,
      readyTail: resume ? (w) => writeSession(w, resume.id, resume.windowMs) : undefined,
      onInterrupted: ({ reason }) => this.host.interrupted(s, reason),
      iface,
      session: options.session(),
      remoteId: clientId,
      maxInFlight: options.maxInFlight,
      maxStreams: options.maxStreams,
      streamCredit: options.streamCredit,
      callTimeoutMs: options.callTimeoutMs ?? (transport.reliable || arq ? Defaults.callTimeoutMs : Defaults.datagramCallTimeoutMs),
      errors: options.errors,
      logger: log,
      onClose: ({ reason }) => this.host.closed(s, reason),
    })
    return s
  }

  /** The link's settings (a new session's, or a resumed one's new link). */
  private linkOptions(keys: ServerHandshakeResult['keys'], finish: Uint8Array, arq: boolean, announce: boolean) {
    const { options, log } = this.host
    const transport = this.transport
    return {
      transport,
      keys,
      role: 'server' as const,
      liveness: sweptLiveness,
      // default: what one frame carries (the ARQ engine lowers or raises it to 255 fragments)
      maxMessage: options.maxMessage ?? (arq ? Number.MAX_SAFE_INTEGER : transport.maxFrame - RECORD_OVERHEAD),
      // TCP and WebSocket ping less often than datagrams, which keep NAT mappings alive, and a
      // transport the kernel keeps alive (TCP keepalive) far less often again (PROTOCOL.md 6.2)
      pingIntervalMs:
        options.pingIntervalMs ??
        (transport.keepAlive ? Defaults.pingIntervalMsKeepAlive : transport.reliable ? Defaults.pingIntervalMsReliable : Defaults.pingIntervalMs),
      idleTimeoutMs:
        options.idleTimeoutMs ??
        (transport.keepAlive ? Defaults.idleTimeoutMsKeepAlive : transport.reliable ? Defaults.idleTimeoutMsReliable : Defaults.idleTimeoutMs),
      // only a datagram server answers a repeated FINISH (PROTOCOL.md 4.5)
      finish: transport.reliable ? undefined : finish,
      arq,
      announce,
      logger: log,
    }
  }

  /**
   * FINISH asked to resume (PROTOCOL.md 15): a link with READY, whose first message must be
   * RESUME; the gate moves the old session onto it or refuses.
   */
  private resumeLink(result: ServerHandshakeResult, finish: Uint8Array): void {
    const host = this.host
    const transport = this.transport
    if (result.keys.resume) wipe(result.keys.resume)
    const link = new Link(this.linkOptions(result.keys, finish, result.reliableRequested, true))
    this.link = link
    // until RESUME is handled the link is half-open: bounded in time, closed by server.close()
    host.halfOpen.add(transport)
    const ms = host.options.handshakeTimeoutMs
    const timer = setTimeout(() => link.close(`no RESUME within ${ms} ms`, { sendClose: false, code: 'local' }), ms)
    const leave = () => {
      clearTimeout(timer)
      host.halfOpen.delete(transport)
    }
    link.attach(
      new ResumeGate<S>(link, result.keys.th3, result.clientId, {
        registry: host.registry,
        resumed: (s) => {
          leave()
          this.session = s
          transport.established?.()
          host.resumed(s)
        },
        settled: () => {
          leave()
          host.settled()
        },
        debug: (m) => host.log.debug?.(m),
      }),
    )
    const early = this.early
    this.early = null
    if (early !== null) for (const f of early) link.onFrame(f)
  }

  /** Records sent right behind FINISH while `authorize` runs: kept, bounded in count and bytes. */
  private holdEarlyRecord(frame: Uint8Array): void {
    this.earlyBytes += frame.length
    const early = (this.early ??= [])
    if (early.length >= EARLY_RECORDS.frames || this.earlyBytes > EARLY_RECORDS.frameMultiple * this.transport.maxFrame) {
      return this.fail(new HandshakeError('malformed', 'too much sent before the server finished the handshake'))
    }
    early.push(frame)
  }

  // ---------------------------------------------------------------- endings

  private clearTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer)
      this.timer = null
    }
  }

  private leaveHalfOpen(): void {
    this.clearTimer()
    if (this.leavePool) {
      this.leavePool()
      this.leavePool = null
      this.host.halfOpen.delete(this.transport)
    }
  }

  /** Ends the handshake: REJECT first when given (reliable transports, or a real datagram peer). */
  private fail(e: Error, reject?: { code: number; message: string }): void {
    if (this.phase === 'done') return
    this.phase = 'done'
    this.leaveHalfOpen()
    this.hs = null
    this.host.log.debug?.(`handshake from ${this.transport.remoteAddress} failed: ${e.message}`)
    if (reject) sendRefusal(this.transport, encodeReject(reject.code, reject.message))
    this.transport.close(e)
    this.host.settled()
  }
}
