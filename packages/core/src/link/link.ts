import type { BipackWriter } from '@kp/bipack'
import { ProtocolError } from '../errors/protocol-error.js'
import type { SessionKeys } from '../handshake/key-schedule.js'
import { Defaults, FrameType, Kind } from '../protocol/constants.js'
import { type ReadyInfo, readMessages, writeAck, writeClose, writePing, writePong, writeReady } from '../protocol/messages.js'
import type { RecordStats } from '../record/record-opener.js'
import type { Transport } from '../transport/transport.js'
import { bytesEqual } from '../util/bytes.js'
import type { Logger } from '../util/logger.js'
import type { CloseCode, LinkClose } from './close-code.js'
import { Liveness } from './liveness.js'
import type { LivenessBase, LivenessFactory } from './liveness-base.js'
import { RecordIo, SEQ_ROOM } from './record-io.js'
import type { ResumeBuffer } from './resume-buffer.js'
import { LinkResumeSink, SegmentReader } from './segment-reader.js'
import { LinkSink } from './link-sink.js'

/** The messages a link hands to the session it carries (everything but READY, PING, PONG, CLOSE). @internal */
export interface LinkUser {
  call(id: number, command: string, args: Uint8Array): void
  push(command: string, args: Uint8Array): void
  result(id: number, value: Uint8Array): void
  error(id: number, code: string, message: string, data: Uint8Array): void
  cancel(id: number): void
  /** Stream messages (PROTOCOL.md 14). */
  open(id: number, flags: number, command: string, credit: number, args: Uint8Array): void
  item(ref: number, item: Uint8Array): void
  credit(ref: number, n: number): void
  end(ref: number, value: Uint8Array): void
  fail(ref: number, code: string, message: string, data: Uint8Array): void
  stop(ref: number): void
  /** The link ended (once). */
  linkClosed(close: LinkClose): void
  /** Resumption (PROTOCOL.md 15): absent where the message is not expected (a ProtocolError). */
  session?(resumeId: Uint8Array, windowMs: number): void
  resume?(resumeId: Uint8Array, proof: Uint8Array, received: number): void
  resumed?(received: number): void
  refused?(reason: string): void
}

/** Settings of one link. @internal */
export interface LinkOptions {
  transport: Transport
  keys: SessionKeys
  role: 'client' | 'server'
  /** Server: the limit it announces in READY (and enforces). Client: unused until READY arrives. */
  maxMessage: number
  pingIntervalMs: number
  idleTimeoutMs: number
  /** Server: `sweptLiveness`, the shared sweep (PROTOCOL.md 6.2). Absent: the link keeps its own timer (the client's). */
  liveness?: LivenessFactory | undefined
  /** Datagram server: the FINISH whose byte-identical repeat gets the first record again. */
  finish?: Uint8Array | undefined
  /** Server: send READY first (default). False: the first record will be a CLOSE (refusal). */
  announce?: boolean | undefined
  /** Reliable datagram mode (PROTOCOL.md 9). */
  arq?: boolean | undefined
  logger: Logger
  /** Client: called when READY arrives (the link is usable). */
  onReady?: ((info: ReadyInfo) => void) | undefined
  /** Resumable session (PROTOCOL.md 15): its segments are numbered and kept from the start. */
  buffer?: ResumeBuffer | undefined
  /** Server: messages written right after READY, in its record (SESSION). */
  readyTail?: ((w: BipackWriter) => void) | undefined
}

/**
 * One transport carrying one session: the record layer with this handshake's keys, liveness,
 * READY and the link-level messages (PING, PONG, CLOSE), the first-frame cache of a datagram
 * server, and close. What the session's calls are is not its business: it hands them to its
 * {@link LinkUser}. A session may later move to a new link (resumption) without its call tables
 * noticing. @internal
 */
export class Link {
  readonly transport: Transport
  readonly remoteAddress: string
  readonly reliable: boolean
  readonly token: Uint8Array
  readonly records: RecordIo
  private readonly liveness: LivenessBase
  /** What the link keeps of its options (not the keys, not the transport: those are its parts' now). */
  private readonly options: Pick<LinkOptions, 'role' | 'finish' | 'logger' | 'onReady'>
  /** The session (or resume gate) this link carries. @internal */
  user: LinkUser | null = null
  /** Largest message towards the peer (the server's READY value, or our own limit). */
  peerMaxMessage: number
  /** Largest message accepted from the peer: what we announced (server) or our own limit. */
  readonly receiveLimit: number
  private awaitingReady: boolean
  /**
   * Datagram server: the first record (READY), resent for a repeated FINISH a bounded number of
   * times; undefined until it is sealed, null once retired.
   */
  private firstFrame: Uint8Array | null | undefined = undefined
  private finishRepeats = 0
  private closed = false
  private transportClosed = false
  private closeInfo: LinkClose | null = null
  /** Resumable sessions: the numbering of segments received; null otherwise. */
  segments: SegmentReader | null = null

  constructor(options: LinkOptions) {
    this.options = { role: options.role, finish: options.finish, logger: options.logger, onReady: options.onReady }
    const transport = options.transport
    this.transport = transport
    this.remoteAddress = transport.remoteAddress
    this.reliable = transport.reliable
    this.token = options.keys.token
    const client = options.role === 'client'
    this.records = new RecordIo({
      transport,
      sealKey: client ? options.keys.c2s : options.keys.s2c,
      openKey: client ? options.keys.s2c : options.keys.c2s,
      arq: options.arq ?? false,
      deadLinkMs: options.idleTimeoutMs,
      // the server enforces the maxMessage it announces on every reassembled message
      maxMessage: client ? undefined : options.maxMessage,
      onSent: this.onSent,
      onFailure: (reason, error) => this.close(reason, { sendClose: false, error, code: error ? 'limit' : 'dead-link' }),
    })
    this.peerMaxMessage = Math.min(options.maxMessage, this.records.maxRecordPlaintext)
    // the server enforces what it announces; the client, what one record can carry
    this.receiveLimit = client ? this.records.maxRecordPlaintext : this.peerMaxMessage
    if (this.records.arq) this.records.turnLimit = this.peerMaxMessage
    this.awaitingReady = client
    const ping = () => {
      writePing(this.records.reserve(1))
      this.ackIfBehind()
    }
    const idle = (ms: number) => this.close(`idle timeout: nothing received for ${ms} ms`, { sendClose: true, code: 'idle' })
    // the server's come from its sweep (options.liveness); a link without one keeps its own timer
    this.liveness =
      options.liveness?.(options.pingIntervalMs, options.idleTimeoutMs, ping, idle) ??
      new Liveness(options.pingIntervalMs, options.idleTimeoutMs, !client, ping, idle)
    if (!client && options.announce !== false) {
      // The server's first record starts with READY (PROTOCOL.md 4.5); kept to answer a repeated FINISH.
      writeReady(this.records.out, { maxMessage: this.peerMaxMessage, pingIntervalMs: options.pingIntervalMs, idleTimeoutMs: options.idleTimeoutMs })
      options.readyTail?.(this.records.out)
      this.records.flush()
    }
    if (options.buffer) this.setBuffer(options.buffer)
  }

  /** Numbers and keeps this link's session messages from here on (PROTOCOL.md 15). */
  setBuffer(buffer: ResumeBuffer): void {
    this.segments = new SegmentReader(
      buffer,
      () => this.reliable || this.records.arq !== null,
      () => this.writeAckNow(buffer),
    )
    this.records.setBuffer(buffer)
    // a message and its segment's SEQ fit one turn, and a message is at most a quarter of what
    // may stay unacknowledged (larger ones fail with MessageTooLarge; byte items are cut)
    this.peerMaxMessage = Math.min(this.peerMaxMessage - SEQ_ROOM, Math.floor(buffer.maxBytes / 4))
  }

  /** Sends ACK when segments were received since the last one. */
  private ackIfBehind(): void {
    const b = this.segments?.buffer
    if (b !== undefined && b.received > b.ackedOut) this.writeAckNow(b)
  }

  private writeAckNow(b: ResumeBuffer): void {
    b.ackedOut = b.received
    b.unackedIn = 0
    b.unackedInBytes = 0
    writeAck(this.records.reserve(11), b.received)
  }

  /** Installs the session this link carries (once, before frames are handed in). */
  attach(user: LinkUser): void {
    this.user = user
  }

  get stats(): Readonly<RecordStats> {
    return this.records.stats
  }

  get isClosed(): boolean {
    return this.closed
  }

  /** Why the link closed, once it has. */
  get closedWith(): LinkClose | null {
    return this.closeInfo
  }

  /** True until a client's READY arrived. */
  get isAwaitingReady(): boolean {
    return this.awaitingReady
  }

  /** Makes room for a session message of `size` bytes in this turn's record and returns the writer. */
  reserve(size: number): BipackWriter {
    return this.records.reserveSession(size)
  }

  /** Appends one encoded session message to this turn's record. */
  append(message: Uint8Array): void {
    this.records.reserveSession(message.length).fixed(message)
  }

  private readonly onSent = (frame: Uint8Array, type: number): void => {
    this.liveness.sent()
    if (this.firstFrame === undefined && type === FrameType.Record && this.options.role === 'server' && !this.reliable) this.firstFrame = frame
  }

  // ---------------------------------------------------------------- incoming

  /** One frame from the transport. Never throws: a bad frame closes this link at most. */
  onFrame(frame: Uint8Array): void {
    if (this.closed) return
    const type = frame[0]
    try {
      if (this.records.arq) return this.onArqFrame(frame, type)
      if (type !== FrameType.Record) return this.onOtherFrame(frame, type)
      const plaintext = this.records.open(frame)
      if (plaintext === null) return
      this.liveness.received()
      // a record from the client proves READY arrived: no more answers to a repeated FINISH
      this.firstFrame = null
      if (this.awaitingReady) {
        if (plaintext.length === 0) throw new ProtocolError('record plaintext is empty')
        if (plaintext[0] !== Kind.Ready && plaintext[0] !== Kind.Close << 2) {
          // On datagrams READY may be lost while a later record arrives: drop it, READY comes again.
          if (!this.reliable) return
          throw new ProtocolError('the first record of the server does not start with READY')
        }
      }
      this.segments?.startRecord()
      readMessages(plaintext, this.sink, this.receiveLimit)
      this.segments?.endRecord(plaintext.length)
    } catch (e) {
      this.protocolError(e as Error)
    }
  }

  private onOtherFrame(frame: Uint8Array, type: number | undefined): void {
    if (this.reliable) throw new ProtocolError(`unexpected frame type ${type} after the handshake`)
    // A repeated FINISH means our READY was lost: send the same first record again.
    // Bounded: a client resends FINISH at most about a dozen times (PROTOCOL.md 4.5, 8).
    if (type === FrameType.Finish && this.firstFrame && this.options.finish && bytesEqual(frame, this.options.finish)) {
      const first = this.firstFrame
      if (++this.finishRepeats >= Defaults.maxFinishRepeats) this.firstFrame = null
      this.records.resend(first)
    }
    // datagrams of any other kind are dropped, never fatal
  }

  /** Reliable datagram mode: only ARQ frames count; everything else is dropped (never fatal). */
  private onArqFrame(frame: Uint8Array, type: number | undefined): void {
    if (type !== FrameType.Arq) return
    const messages = this.records.openArq(frame)
    if (messages === null) return
    this.liveness.received()
    for (const plaintext of messages) {
      if (this.closed) return
      if (this.awaitingReady && plaintext[0] !== Kind.Ready && plaintext[0] !== Kind.Close << 2) {
        throw new ProtocolError('the first message of the server is not READY')
      }
      this.segments?.startRecord()
      readMessages(plaintext, this.sink, this.receiveLimit)
      this.segments?.endRecord(plaintext.length)
    }
  }

  /** Where decoded messages go; built once per link, no object per message. */
  private readonly sink = new LinkSink(this, new LinkResumeSink(this))

  /** PING: answered with PONG (PROTOCOL.md 6.2). @internal */
  onPing(): void {
    if (this.closed) return
    this.expectReady()
    writePong(this.records.reserve(1))
    this.liveness.answeredPing()
    this.ackIfBehind()
  }

  /** PONG: nothing to do beyond having received it. @internal */
  onPong(): void {
    if (!this.closed) this.expectReady()
  }

  /** CLOSE from the peer. @internal */
  onPeerClose(reason: string): void {
    // a CLOSE in place of READY is the server refusing this client (PROTOCOL.md 4.3)
    const code: CloseCode = this.awaitingReady ? 'refused' : 'peer'
    this.close(`closed by peer: ${reason}`, { sendClose: false, code, peerReason: reason })
  }

  /** A session message may be handled: not closed, not a duplicate; READY came; in a segment when resumable. @internal */
  admit(): boolean {
    const g = this.segments
    if (this.closed || g?.dropping) return false
    this.expectReady()
    if (g !== null && !g.inSegment) throw new ProtocolError('a session message outside a numbered segment')
    return true
  }

  /** READY from the server (client only). @internal */
  onReady(r: ReadyInfo): void {
    if (this.closed) return
    if (!this.awaitingReady) throw new ProtocolError('READY received twice or by the server')
    this.awaitingReady = false
    // Every value a peer announces is checked and clamped (PROTOCOL.md 6.2, 7).
    if (r.maxMessage < Defaults.minMessage) throw new ProtocolError(`READY announces maxMessage ${r.maxMessage}, below the minimum of ${Defaults.minMessage}`)
    this.peerMaxMessage = Math.min(r.maxMessage, this.records.maxRecordPlaintext)
    if (this.records.arq) this.records.turnLimit = this.peerMaxMessage
    // The client pings on the server's schedule, never faster (PROTOCOL.md 6.2).
    const ping = r.pingIntervalMs === 0 ? 0 : clamp(r.pingIntervalMs, Defaults.minPingIntervalMs, Defaults.maxTimerMs)
    let idle = this.liveness.idleTimeout
    if (r.idleTimeoutMs > 0) {
      idle = clamp(r.idleTimeoutMs, Defaults.minIdleTimeoutMs, Defaults.maxTimerMs)
      this.records.arq?.setDeadLinkMs(idle)
    }
    if (this.liveness instanceof Liveness) {
      this.liveness.pingEnabled = true
      this.liveness.configure(ping, idle)
    }
    this.options.onReady?.(r)
  }

  /** @internal */
  expectReady(): void {
    if (this.awaitingReady) throw new ProtocolError('message before READY')
  }

  // ---------------------------------------------------------------- close

  /** The transport reported its close. */
  onTransportClose(error?: Error): void {
    this.transportClosed = true
    this.close(error ? `transport closed: ${error.message}` : 'transport closed', { sendClose: false, error, code: 'transport' })
  }

  /** A protocol error from the peer (or anything thrown while handling its frame). */
  protocolError(e: Error): void {
    this.options.logger.debug?.(`protocol error from ${this.remoteAddress}: ${e.message}`)
    this.close(`protocol error: ${e.message}`, { sendClose: false, error: e, code: 'protocol' })
  }

  /**
   * Closes the link: sends CLOSE (best effort) unless told not to, stops its timers, closes the
   * transport and tells the session, once.
   */
  close(reason: string, opts: { sendClose?: boolean; error?: Error | undefined; code?: CloseCode; peerReason?: string } = {}): void {
    if (this.closed) return
    const sendClose = opts.sendClose ?? true
    if (sendClose && !this.transportClosed && !this.awaitingReady) {
      this.records.discardTurn() // drop what was not sent yet: the peer's pending calls fail anyway
      writeClose(this.records.out, reason.length > 200 ? reason.slice(0, 200) : reason)
      this.records.flush()
    }
    this.closed = true
    this.closeInfo = { reason, code: opts.code ?? 'local', error: opts.error, peerReason: opts.peerReason }
    this.liveness.stop()
    this.records.stop()
    if (!this.transportClosed) {
      this.transportClosed = true
      this.transport.close(opts.error)
    }
    this.user?.linkClosed(this.closeInfo)
  }
}

function clamp(v: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, v))
}
