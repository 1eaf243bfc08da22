import type { PublicKey, SigningKey, X25519Exchange } from '@kp/crypto'
import { HandshakeError } from '../errors/handshake-error.js'
import { ResumeRefusedError } from '../errors/resume-refused-error.js'
import { TransportError } from '../errors/transport-error.js'
import { ClientHandshake, type ClientHandshakeResult } from '../handshake/client-handshake.js'
import type { LinkClose } from '../link/close-code.js'
import { Link, type LinkOptions } from '../link/link.js'
import { ClientResumeGate } from './client-resume-gate.js'
import { Defaults, FrameType, RejectCode } from '../protocol/constants.js'
import { parseCookie, parseReject } from '../protocol/handshake-frames.js'
import { createSession } from '../rpc/create-session.js'
import type { ErrorRegistry } from '../rpc/application-error.js'
import type { KiloInterface } from '../rpc/kilo-interface.js'
import type { Session } from '../rpc/session.js'
import type { Transport } from '../transport/transport.js'
import type { Logger } from '../util/logger.js'

/** Settings of one client handshake. @internal */
export interface ClientHandshakeOptions<S> {
  key: SigningKey | undefined
  /** Checks the server's proven id before FINISH (a pin or a known-servers record). */
  verifyServer: ((serverId: PublicKey) => void) | undefined
  iface: KiloInterface<S> | undefined
  session: S
  handshakeTimeoutMs: number
  maxInFlight: number
  maxStreams?: number | undefined
  streamCredit?: number | undefined
  callTimeoutMs: number
  errors?: ErrorRegistry | undefined
  logger: Logger
  signal?: AbortSignal | undefined
  /** Ask for reliable datagram mode (ignored on reliable transports, PROTOCOL.md 9). */
  reliable?: boolean
  /** Test hook: a fixed ephemeral secret (handshake vectors). */
  ephemeralSecret?: Uint8Array
  /** The ephemeral key, made while the transport connected (the client starts it early). */
  exchange?: Promise<X25519Exchange> | undefined
  /**
   * The early-call path (PROTOCOL.md 4.5), reliable transports only: called right after FINISH
   * is sent with the session that is not READY yet but may already carry calls, which saves a
   * round trip to the first answer.
   */
  onFinishSent?: (session: Session<S>) => void
  /**
   * READY arrived: called synchronously, before the connect hooks run and before any message
   * that followed READY is handled, so the client is `connected` before the server's first
   * call or push reaches its handlers.
   */
  onEstablished: (session: Session<S>) => void
  /** Called once when the established session closes. */
  onClose: (close: LinkClose) => void
  /**
   * Resumption (PROTOCOL.md 15): ask for a resumable session (no `session`), or resume
   * `session` on this handshake. Absent: neither.
   */
  resume?: { maxBytes: number; session?: Session<S> | undefined } | undefined
  /** A resumable session lost its link and waits for a new one. */
  onInterrupted?: ((close: LinkClose) => void) | undefined
}

/** `hello`: making the ephemeral key; `verifying`: WELCOME is being checked (asynchronous curves). */
type Phase = 'hello' | 'welcome' | 'verifying' | 'ready' | 'done'

/** Frames held while WELCOME is verified (a reliable server sends none before FINISH). */
const MAX_HELD = 16

/**
 * The client side of one handshake on a fresh transport (PROTOCOL.md 4), as named steps:
 * {@link sendHandshake} (HELLO, resent on datagrams), {@link onCookie}, {@link onWelcome}
 * (verify the server, send FINISH, the early-call path), {@link onReady}; {@link fail} ends it.
 * `run()` resolves with the session once READY arrived, or rejects with a `HandshakeError`
 * naming the failed check. @internal
 */
export class ClientHandshakeDriver<S> {
  private phase: Phase = 'hello'
  private hs: ClientHandshake | null = null
  /** Frames that arrived while WELCOME was verified, handled after it. */
  private held: Uint8Array[] = []
  private readonly arq: boolean
  private session: Session<S> | null = null
  /** Where records go once FINISH is sent (the session's link, or a resume attempt's). */
  private link: Link | null = null
  private established = false
  private resendFrame: Uint8Array | null = null
  private resendDelay: number = Defaults.helloResendMs
  private resendTimer: ReturnType<typeof setTimeout> | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private graceTimer: ReturnType<typeof setTimeout> | undefined
  /** Datagrams: the last unauthenticated refusal or bad WELCOME, reported if nothing valid comes. */
  private ignored: HandshakeError | null = null
  private resolve!: (s: Session<S>) => void
  private reject!: (e: Error) => void

  constructor(
    private readonly transport: Transport,
    private readonly o: ClientHandshakeOptions<S>,
  ) {
    this.arq = !!o.reliable && !transport.reliable
    if (this.arq && !transport.arqEngine) {
      throw new TypeError('"reliable": this datagram transport does not offer reliable mode (no arqEngine; see createArqEngine of @kp/core/arq)')
    }
  }

  /** Runs the handshake; resolves with the session once READY arrived. Call once. */
  run(): Promise<Session<S>> {
    return new Promise<Session<S>>((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
      this.timer = setTimeout(this.onTimeout, this.o.handshakeTimeoutMs)
      this.o.signal?.addEventListener('abort', this.onAbort, { once: true })
      this.transport.setHandlers({ frame: (f) => this.onFrame(f), close: (e) => this.onTransportClose(e) })
      const o = this.o
      ClientHandshake.create({
        key: o.key,
        verifyServer: o.verifyServer,
        requestReliable: this.arq,
        resume: o.resume ? (o.resume.session ? 'resume' : 'fresh') : undefined,
        ...(o.ephemeralSecret ? { ephemeralSecret: o.ephemeralSecret } : {}),
        exchange: o.exchange,
      }).then(
        (hs) => {
          if (this.phase === 'done') return hs.wipe()
          this.hs = hs
          this.phase = 'welcome'
          this.sendHandshake(hs.hello)
        },
        (e) => this.fail(e as Error),
      )
    })
  }

  // ---------------------------------------------------------------- routing

  private onFrame(frame: Uint8Array): void {
    const link = this.link
    if (this.phase === 'done') {
      if (link) link.onFrame(frame)
      return
    }
    const type = frame[0]
    const reliable = this.transport.reliable
    if (this.phase === 'verifying') {
      if (this.held.length < MAX_HELD) this.held.push(frame)
      else if (reliable) this.fail(new HandshakeError('malformed', `more than ${MAX_HELD} frames before FINISH`))
      return
    }
    if ((this.phase === 'welcome' || this.phase === 'hello') && frame.length > Defaults.handshakeFrameMax) {
      // before WELCOME verifies only handshake-sized frames are valid (transports enforce it too)
      if (reliable) this.fail(new HandshakeError('malformed', `frame of ${frame.length} bytes during the handshake (at most ${Defaults.handshakeFrameMax})`))
      return
    }
    try {
      if (type === FrameType.Reject) return this.onReject(frame)
      if (this.phase === 'hello') {
        // nothing but a REJECT can answer a HELLO not sent yet
        if (reliable) this.fail(new HandshakeError('malformed', `frame type ${type} before HELLO`))
        return
      }
      if (this.phase === 'welcome') {
        if (type === FrameType.Welcome) return this.onWelcome(frame)
        if (type === FrameType.Cookie && !reliable) return this.onCookie(frame)
        if (reliable) return this.fail(new HandshakeError('malformed', `expected WELCOME, got frame type ${type}`))
        return
      }
      // phase 'ready': the session's link takes records (READY among them)
      if (type === FrameType.Record || type === FrameType.Arq) return link!.onFrame(frame)
      if (reliable) this.fail(new HandshakeError('malformed', `expected READY, got frame type ${type}`))
    } catch (e) {
      this.onHandshakeError(e)
    }
  }

  /**
   * On datagrams nothing unauthenticated is fatal: a forged REJECT or WELCOME (bad key,
   * low-order key, wrong signature or pin) is ignored while the real answer may still come; the
   * handshake timeout reports it if nothing valid arrives (PROTOCOL.md 4.2, 8).
   */
  private onHandshakeError(e: unknown): void {
    if (!this.transport.reliable && HandshakeError.isInstance(e)) {
      if (this.ignored?.check !== 'pin-mismatch') this.ignored = e
      this.o.logger.debug?.(`ignored an unauthenticated handshake frame from ${this.transport.remoteAddress}: ${e.message}`)
      // A WELCOME correctly signed by another key: the real server's would come within a
      // round trip, so after a short grace the mismatch is the answer (PROTOCOL.md 4.2).
      if (e.check === 'pin-mismatch' && !this.graceTimer) {
        this.graceTimer = setTimeout(() => this.fail(this.ignored!), Math.min(Defaults.pinMismatchGraceMs, this.o.handshakeTimeoutMs))
      }
      return
    }
    this.fail(e as Error)
  }

  private onTransportClose(error: Error | undefined): void {
    if (this.link) return this.link.onTransportClose(error)
    // a transport failure (refused, reset, timed out) is reported as itself, with its code
    if (error && TransportError.isInstance(error)) return this.fail(error)
    this.fail(new HandshakeError('rejected', `the connection closed during the handshake${error ? `: ${error.message}` : ''}`, { cause: error }))
  }

  // ---------------------------------------------------------------- steps

  /** Sends a handshake frame; on datagrams resends it (250 ms, doubling to 1 s) until the next step. */
  private sendHandshake(frame: Uint8Array): void {
    this.transport.send(frame)
    if (this.transport.reliable) return
    this.resendFrame = frame
    this.resendDelay = Defaults.helloResendMs
    clearTimeout(this.resendTimer)
    this.resendTimer = setTimeout(this.resend, this.resendDelay)
  }

  private readonly resend = (): void => {
    if (this.phase === 'done' || !this.resendFrame) return
    this.transport.send(this.resendFrame)
    this.resendDelay = Math.min(this.resendDelay * 2, Defaults.helloResendMaxMs)
    this.resendTimer = setTimeout(this.resend, this.resendDelay)
  }

  /** REJECT: unauthenticated; thrown as a HandshakeError (ignored on datagrams, see onFrame). */
  private onReject(frame: Uint8Array): void {
    const r = parseReject(frame)
    if (r.code === RejectCode.Full) {
      throw new HandshakeError('full', `the server is full (REJECT ${r.code}: ${r.message}); the client tries again later, with backoff`)
    }
    const check = r.code === RejectCode.Busy ? 'busy' : r.code === RejectCode.UnsupportedVersion ? 'unsupported-version' : 'rejected'
    throw new HandshakeError(check, `the server rejected the handshake (code ${r.code}): ${r.message}`)
  }

  /** COOKIE (datagrams): resend the same HELLO with the cookie (PROTOCOL.md 4.6). */
  private onCookie(frame: Uint8Array): void {
    const cookie = parseCookie(frame)
    if (cookie) this.sendHandshake(this.hs!.applyCookie(cookie))
  }

  /**
   * WELCOME: verify the server (asynchronous: frames that arrive meanwhile are held), then
   * {@link onVerified}; a HandshakeError is handled as in {@link onFrame}.
   */
  private onWelcome(frame: Uint8Array): void {
    this.phase = 'verifying'
    this.hs!.onWelcome(frame).then(
      (result) => {
        if (this.phase !== 'verifying') return // failed meanwhile (timeout, abort, closed)
        this.onVerified(result)
        this.releaseHeld()
      },
      (e) => {
        if (this.phase !== 'verifying') return
        this.phase = 'welcome'
        this.onHandshakeError(e)
        this.releaseHeld()
      },
    )
  }

  /** Hands the frames held during the verification to {@link onFrame}, in order. */
  private releaseHeld(): void {
    const held = this.held
    this.held = []
    for (const f of held) {
      if (this.phase === 'done' && !this.session) return
      this.onFrame(f)
    }
  }

  /** The server is verified: send FINISH; the session exists from here. */
  private onVerified(result: ClientHandshakeResult): void {
    // the server proved its key: the transport may take frames up to maxFrame now
    this.transport.authenticated?.()
    this.phase = 'ready'
    const o = this.o
    const transport = this.transport
    const linkOptions = {
      transport,
      keys: result.keys,
      role: 'client' as const,
      maxMessage: transport.maxFrame,
      pingIntervalMs: Defaults.pingIntervalMs,
      idleTimeoutMs: Math.max(o.handshakeTimeoutMs, Defaults.idleTimeoutMs),
      arq: this.arq,
      logger: o.logger,
    }
    const resuming = o.resume?.session
    if (resuming) return this.resumeOn(resuming, linkOptions, result)
    const resumeKey = result.keys.resume
    this.session = createSession<S>({
      ...linkOptions,
      resume: o.resume && resumeKey ? { key: resumeKey, maxBytes: o.resume.maxBytes } : undefined,
      onInterrupted: o.onInterrupted,
      iface: o.iface,
      session: o.session,
      remoteId: result.serverId,
      maxInFlight: o.maxInFlight,
      maxStreams: o.maxStreams,
      streamCredit: o.streamCredit,
      callTimeoutMs: o.callTimeoutMs,
      errors: o.errors,
      onReady: () => this.onReady(),
      onClose: (close) => this.onSessionClose(close),
    })
    this.link = this.session.link
    this.sendHandshake(result.finish)
    // the early-call path (PROTOCOL.md 4.5): calls may follow FINISH at once (not when asking
    // for resumption: messages are numbered only once the server's SESSION arrived)
    if (transport.reliable && !o.resume) o.onFinishSent?.(this.session)
  }

  /** Resume attempt (PROTOCOL.md 15): RESUME after READY; RESUMED moves `session` here. */
  private resumeOn(session: Session<S>, linkOptions: Omit<LinkOptions, 'onReady'>, result: ClientHandshakeResult): void {
    const link = new Link({ ...linkOptions, onReady: () => gate.sendResume() })
    const gate = new ClientResumeGate<S>(session, link, result.keys.th3, (error) => {
      if (error) return this.fail(error)
      if (this.phase !== 'ready') return
      this.phase = 'done'
      this.established = true
      this.session = session
      this.cleanup()
      this.transport.established?.()
      this.o.onEstablished(session)
      this.resolve(session)
    })
    link.attach(gate)
    this.link = link
    this.sendHandshake(result.finish)
  }

  /** READY: the session is established; the connect hooks run after the client knows it. */
  private onReady(): void {
    if (this.phase !== 'ready') return
    this.phase = 'done'
    this.established = true
    this.cleanup()
    const session = this.session!
    this.transport.established?.()
    this.o.onEstablished(session)
    this.resolve(session)
    session.runConnectedHooks()
  }

  private onSessionClose(close: LinkClose): void {
    if (this.phase !== 'done') {
      // a CLOSE in place of READY is the server's refusal (PROTOCOL.md 4.3)
      this.fail(
        close.code === 'refused'
          ? new HandshakeError('unauthorized', `the server refused this client (${close.peerReason}); check the client key and the server's authorization`)
          : new HandshakeError('malformed', `connection ended during the handshake: ${close.reason}`, { cause: close.error }),
      )
      return
    }
    if (this.established) this.o.onClose(close)
  }

  // ---------------------------------------------------------------- endings

  private readonly onTimeout = (): void => {
    const ignored = this.ignored
    // A WELCOME correctly signed by another key needs the HELLO (an on-path peer or the wrong
    // server); when no valid WELCOME came in the whole handshake time, it is the answer.
    if (ignored?.check === 'pin-mismatch') return this.fail(ignored)
    const why = ignored ? `; ignored an unauthenticated answer: ${ignored.message}` : ''
    this.fail(
      new HandshakeError(
        'timeout',
        `no valid answer from ${this.transport.remoteAddress} within ${this.o.handshakeTimeoutMs} ms${why}`,
        ignored ? { cause: ignored } : undefined,
      ),
    )
  }

  private readonly onAbort = (): void => {
    this.fail(new HandshakeError('timeout', 'connect aborted', { cause: this.o.signal?.reason }))
  }

  private cleanup(): void {
    clearTimeout(this.timer)
    clearTimeout(this.graceTimer)
    clearTimeout(this.resendTimer)
    this.o.signal?.removeEventListener('abort', this.onAbort)
  }

  private fail(e: Error): void {
    if (this.phase === 'done') return
    this.phase = 'done'
    this.held = []
    this.hs?.wipe()
    this.cleanup()
    // a resume this side refused (the session cannot move here): CLOSE tells the server, whose session ends too
    if (this.link) this.link.close(e.message, { sendClose: ResumeRefusedError.isInstance(e), error: e, code: 'local' })
    else this.transport.close(e)
    this.reject(e)
  }
}
