import { BipackWriter, type Schema } from '@kp/bipack'
import type { PublicKey } from '@kp/crypto'
import { ConnectionClosedError } from '../errors/connection-closed-error.js'
import { ProtocolError } from '../errors/protocol-error.js'
import { MessageTooLargeError } from '../errors/message-too-large-error.js'
import type { LinkClose } from '../link/close-code.js'
import type { Link, LinkUser } from '../link/link.js'
import { Defaults } from '../protocol/constants.js'
import { pushSize } from '../protocol/message-size.js'
import { writePush } from '../protocol/messages.js'
import type { RecordStats } from '../record/record-opener.js'
import type { ChannelDefinition, SinkDefinition, StreamDefinition } from '../stream/definitions.js'
import { NoStreams, type SessionStreams } from '../stream/no-streams.js'
import type { RemoteStream } from '../stream/remote-stream.js'
import type { StreamHost, StreamTableOptions } from '../stream/stream-host.js'
import { loadedStreams, streamsFor } from '../stream/stream-support.js'
import type { SinkOptions, StreamOptions, StreamSource } from '../stream/types.js'
import type { ItemScheduler, MakeItemScheduler } from '../link/item-scheduler.js'
import type { Logger } from '../util/logger.js'
import { defaultErrorRegistry, type ErrorRegistry } from './application-error.js'
import type { Command } from './command.js'
import type { CallOptions, SessionContext } from './context.js'
import { writeValue } from './encode-value.js'
import { IdAllocator } from './id-allocator.js'
import type { IncomingHost } from './incoming-calls.js'
import type { KiloInterface } from './kilo-interface.js'
import { NoIncomingCalls, type SessionIncoming } from './no-incoming-calls.js'
import { OutgoingCalls } from './outgoing-calls.js'
import { type ResumeSettings, Resumption } from './resumption.js'
import { SessionLinkUser } from './session-link-user.js'
import type { ResumeRefusal } from '../errors/resume-refused-error.js'
import { writeResumed } from '../protocol/messages.js'

/**
 * Scratch writer for arguments and results, shared by every session: each view it returns is
 * copied into a record before the next encode. It keeps what it grew to up to 1 MiB (one
 * buffer per process: large messages in a row do not allocate it again); one that grew past
 * that is replaced at the next encode, so a rare huge message does not stay allocated.
 */
let scratch = new BipackWriter(256)
const SCRATCH_KEEP = 1024 * 1024
function freshScratch(): BipackWriter {
  if (scratch.capacity > SCRATCH_KEEP) scratch = new BipackWriter(256)
  else scratch.reset()
  return scratch
}

/** Settings of one session. @internal */
export interface SessionOptions<S> {
  iface: KiloInterface<S> | undefined
  session: S
  remoteId: PublicKey | null
  /** Incoming calls allowed in flight (beyond: ERROR kp.Busy); also our own outgoing window. */
  maxInFlight: number
  /** Default call timeout, 0 for none. */
  callTimeoutMs: number
  /** Where the peer's application error codes are looked up. Default: the realm's registry. */
  errors?: ErrorRegistry | undefined
  /** Streams the peer may have open on this side at once; also how many of ours are open (more wait). */
  maxStreams?: number | undefined
  /** The reader's window (credit) of streams, by default. */
  streamCredit?: number | undefined
  logger: Logger
  /** Called once when the session ends, with how its link ended. */
  onClose?: ((close: LinkClose) => void) | undefined
  /** A resumable session (PROTOCOL.md 15); absent: the session ends with its link. */
  resume?: ResumeSettings | undefined
  /** A resumable session lost its link and waits for a new one. */
  onInterrupted?: ((close: LinkClose) => void) | undefined
}

/**
 * One authenticated session: the user's session object, the peer's identity, both call tables
 * and the connect/disconnect hooks. It sends and receives through a {@link Link}; when the link
 * ends, the session ends with it (the one place a later change makes a session outlive its link).
 * Both sides use the same class; it is the `ctx` of the connect hooks. @internal
 */
export class Session<S = unknown> implements SessionContext<S>, IncomingHost<S>, StreamHost<S> {
  readonly session: S
  readonly remoteId: PublicKey | null
  /** The link carrying the session now (a resumed session moves to a new one). */
  link: Link
  /** Resumable sessions only (PROTOCOL.md 15). @internal */
  readonly resumption: Resumption | null
  private readonly options: SessionOptions<S>
  private readonly ids = new IdAllocator()
  private readonly outgoing: OutgoingCalls
  private readonly incoming: SessionIncoming
  /** The streams of this session so far: {@link NoStreams} until stream code is loaded. */
  private table: SessionStreams
  private readonly streamOptions: StreamTableOptions
  private closed = false
  /** Why the session ended (set once). */
  closeReason = ''

  constructor(link: Link, options: SessionOptions<S>) {
    this.link = link
    this.options = options
    this.session = options.session
    this.remoteId = options.remoteId
    const errors = options.errors ?? defaultErrorRegistry()
    this.outgoing = new OutgoingCalls(this, this.ids, options.maxInFlight, options.callTimeoutMs, errors)
    // the interface brings the handler machinery; without one, the peer's calls are refused at once
    this.incoming = options.iface
      ? options.iface.incomingCalls(this, options.maxInFlight, link.receiveLimit, options.logger)
      : new NoIncomingCalls(this, options.logger)
    this.streamOptions = {
      maxStreams: options.maxStreams ?? Defaults.maxStreams,
      window: options.streamCredit ?? Defaults.streamCredit,
      logger: options.logger,
      errors,
    }
    this.table = new NoStreams(this, this.ids)
    this.resumption = options.resume ? new Resumption(options.resume, (bytes) => queueMicrotask(() => this.overflowed(bytes))) : null
    // a server's resumable session numbers its segments from the start (SESSION went with READY)
    if (this.resumption?.active) link.setBuffer(this.resumption.buffer)
    link.attach(this.fromLink())
  }

  /**
   * The streams of this session, both sides' (PROTOCOL.md 14): the stream table once any
   * `stream()`, `sink()` or `channel()` loaded the stream code, refusals until then. @internal
   */
  get streams(): SessionStreams {
    const t = this.table
    if (!(t instanceof NoStreams)) return t
    const support = loadedStreams()
    return support === null ? t : (this.table = support.table(this, this.options.iface, this.ids, this.streamOptions, t))
  }

  // ---------------------------------------------------------------- what handlers see

  get token(): Uint8Array {
    return this.link.token
  }
  get remoteAddress(): string {
    return this.link.remoteAddress
  }
  get stats(): Readonly<RecordStats> {
    return this.link.stats
  }
  /** Bytes queued towards the peer and not yet handed to the network. */
  get bufferedAmount(): number {
    return this.link.transport.bufferedAmount
  }
  /** The session itself is the context of the connect hooks and of each handler's `ctx`. */
  get context(): this {
    return this
  }
  get isClosed(): boolean {
    return this.closed
  }
  /** Number of our calls waiting for an answer. */
  get pendingCalls(): number {
    return this.outgoing.size
  }

  // ---------------------------------------------------------------- outbox (the current link)

  get peerMaxMessage(): number {
    return this.link.peerMaxMessage
  }
  get limitHint(): string | undefined {
    const link = this.link
    // plain UDP: one datagram per message is the transport's limit, not a setting to raise
    if (!link.reliable && !link.records.arq)
      return 'plain UDP carries each message in one datagram: connect with { reliable: true } (messages of up to 255 datagrams), or use TCP or WebSocket'
    return undefined
  }
  /** Null when streams may run here, else why not (plain UDP loses datagrams). */
  get streamsRefused(): string | null {
    const link = this.link
    if (link.reliable || link.records.arq) return null
    return 'streams need a transport that loses nothing, and plain UDP does: connect with { reliable: true } (reliable datagram mode), or use TCP or WebSocket'
  }
  itemScheduler(make: MakeItemScheduler): ItemScheduler {
    const parked = this.resumption?.parked
    return parked ? (parked.items ??= make(parked)) : this.link.records.items(make)
  }
  /** Bytes this session's streams hold (items received and not read, items encoded and not written). @internal */
  get streamBytes(): number {
    return this.streams.heldBytes
  }
  reserve(size: number): BipackWriter {
    return (this.resumption?.parked ?? this.link).reserve(size)
  }
  append(message: Uint8Array): void {
    ;(this.resumption?.parked ?? this.link).append(message)
  }
  encode<T>(schema: Schema<T>, value: T): Uint8Array {
    return writeValue(freshScratch(), schema, value)
  }
  encodeWith(write: (w: BipackWriter) => void): Uint8Array {
    const w = freshScratch()
    write(w)
    return w.view()
  }

  // ---------------------------------------------------------------- towards the peer

  call<A, R>(command: Command<A, R>, args: NoInfer<A>, options?: CallOptions): Promise<R> {
    if (this.closed) return Promise.reject(new ConnectionClosedError(this.closeReason))
    let encoded: Uint8Array
    try {
      encoded = this.encode(command.args, args)
    } catch (e) {
      return Promise.reject(e)
    }
    return this.outgoing.start(command as Command<unknown, R>, encoded, options)
  }

  push<A>(command: Command<A, any>, args: NoInfer<A>): void {
    if (this.closed) throw new ConnectionClosedError(this.closeReason)
    const encoded = this.encode(command.args, args)
    const size = pushSize(command.name, encoded.length)
    const limit = this.link.peerMaxMessage
    if (size > limit) throw new MessageTooLargeError(size, limit, `push '${command.name}'`, this.limitHint)
    writePush(this.reserve(size), command.name, encoded)
  }

  /**
   * Queues a PUSH whose arguments are already encoded (one encoding for many sessions).
   * False when the session is closed or the message is over the peer's limit. @internal
   */
  pushEncoded(name: string, encoded: Uint8Array): boolean {
    if (this.closed) return false
    const size = pushSize(name, encoded.length)
    if (size > this.link.peerMaxMessage) return false
    writePush(this.reserve(size), name, encoded)
    return true
  }

  stream<A, T>(definition: StreamDefinition<A, T>, args: A, options?: StreamOptions): RemoteStream<T> {
    return streamsFor(definition, 'stream').stream(this, definition, args, options, this.streamOptions.window)
  }

  sink<A, T, R>(definition: SinkDefinition<A, T, R>, args: A, source: StreamSource<T>, options?: SinkOptions): Promise<R> {
    try {
      return streamsFor(definition, 'sink').sink(this, definition, args, source, options, this.streamOptions.window)
    } catch (e) {
      return Promise.reject(e)
    }
  }

  channel<A, I, O>(definition: ChannelDefinition<A, I, O>, args: A, source: StreamSource<I>, options?: StreamOptions): RemoteStream<O> {
    return streamsFor(definition, 'channel').channel(this, definition, args, source, options, this.streamOptions.window)
  }

  /** Closes the session: sends CLOSE with the reason and ends the link. */
  close(reason = 'closed'): void {
    if (this.resumption?.parked) return this.end({ reason, code: 'local', error: undefined, peerReason: undefined })
    this.link.close(reason, { sendClose: true, code: 'local' })
  }

  // ---------------------------------------------------------------- from the peer

  /** What the link hands in: the peer's session messages, and its own end. */
  private fromLink(): LinkUser {
    const r = this.resumption
    // a client that asked for resumption learns the server's answer from SESSION
    const onSession = r !== null && !r.active ? (id: Uint8Array, windowMs: number) => this.activate(id, windowMs) : undefined
    const link = this.link
    // only the current link's end concerns the session (a replaced link ended before the move)
    return new SessionLinkUser(this.incoming, this.outgoing, this, (close) => link === this.link && this.linkClosed(close), onSession)
  }

  /**
   * Runs the connect hooks; incoming calls and pushes wait in the backlog until they finish
   * (PROTOCOL.md leaves order to us). Never throws and never leaves a promise unhandled: a
   * failing hook closes this session.
   */
  runConnectedHooks(): void {
    const hooks = this.options.iface?.connectedHooks ?? []
    if (hooks.length === 0) return this.hooksFinished()
    this.runHooks(hooks).then(
      () => this.hooksFinished(),
      (e) => {
        this.options.logger.warn?.(`onConnected hook failed: ${(e as Error)?.message ?? e}`)
        this.close('onConnected hook failed')
      },
    )
  }

  private async runHooks(hooks: readonly ((ctx: SessionContext<S>) => void | Promise<void>)[]): Promise<void> {
    for (const hook of hooks) {
      if (this.closed) return
      await hook(this)
    }
  }

  private hooksFinished(): void {
    if (this.closed) return
    this.incoming.hooksFinished()
    this.streams.hooksFinished()
  }

  /** A hostile message found outside a frame handler (the backlog): the link closes. */
  protocolError(e: Error): void {
    this.link.protocolError(e)
  }

  /** The link ended: the session ends with it, unless it is resumable and the network took the link. */
  private linkClosed(close: LinkClose): void {
    const r = this.resumption
    if (r === null || this.closed || !r.survives(close)) return this.end(close)
    const parked = r.park(this.link.records.turnLimit, () =>
      this.end({ reason: `not resumed within ${r.windowMs} ms (${close.reason})`, code: 'local', error: close.error, peerReason: undefined }),
    )
    // stream items that waited for the old link wait here for the next one
    const left = this.link.records.scheduler
    if (left) parked.items = left.handOver(parked, parked.items)
    this.options.onInterrupted?.(close)
  }

  /** Client: SESSION arrived (PROTOCOL.md 15): the session is resumable from here. @internal */
  private activate(id: Uint8Array, windowMs: number): void {
    const r = this.resumption!
    if (r.active) throw new ProtocolError('SESSION received twice')
    if (id.length !== 16) throw new ProtocolError(`SESSION resume id of ${id.length} bytes (expected 16)`)
    r.id = id.slice()
    r.windowMs = Math.min(windowMs, Defaults.maxTimerMs)
    this.link.setBuffer(r.buffer)
  }

  /**
   * Moves this interrupted (or, on the server, still linked) session to `link` (PROTOCOL.md 15):
   * drops what the peer counted, resends the rest, and carries on. Server: RESUMED goes first.
   * Returns null, or why the session cannot move (it is then ended by the caller).
   * @internal
   */
  resumeOn(link: Link, peerReceived: number, server: boolean): ResumeRefusal | null {
    const r = this.resumption
    if (r === null || this.closed) return 'unknown'
    if (!this.link.isClosed) this.link.close('resumed on another link', { sendClose: false, code: 'replaced' })
    if (this.closed || r.parked === null) return 'unknown'
    const b = r.buffer
    if (peerReceived > b.sent) throw new ProtocolError(`the peer counts ${peerReceived} segments, only ${b.sent} were sent`)
    r.parked.capture()
    b.ack(peerReceived)
    for (const seg of b.pending()) {
      if (seg.length <= link.records.turnLimit) continue
      // what the peer has not seen cannot travel on this link: the session ends here
      this.end({ reason: 'resume refused (too-large): a kept record does not fit the new link', code: 'local', error: undefined, peerReason: undefined })
      return 'too-large'
    }
    const parked = r.unpark()!
    if (server) writeResumed(link.records.reserve(11), b.received)
    for (const seg of b.pending()) link.records.appendSegment(seg)
    b.ackedOut = b.received
    link.setBuffer(b)
    this.link = link
    link.attach(this.fromLink())
    if (parked.items) {
      parked.items.stop()
      link.records.scheduler = parked.items.handOver(link.records, link.records.scheduler)
    }
    return null
  }

  /** More than `maxBytes` unacknowledged: the session ends (its pending calls: outcome unknown). */
  private overflowed(bytes: number): void {
    const reason = `resume buffer full: ${bytes} bytes unacknowledged (maxBytes ${this.resumption!.buffer.maxBytes})`
    if (this.resumption!.parked || this.link.isClosed) return this.end({ reason, code: 'limit', error: undefined, peerReason: undefined })
    this.link.close(reason, { sendClose: true, code: 'limit' })
  }

  /** Fails every pending call, aborts running handlers, runs the disconnect hooks, once. */
  private end(close: LinkClose): void {
    if (this.closed) return
    this.closed = true
    this.resumption?.dispose()
    const { reason, error } = close
    this.closeReason = reason
    // errors are built only when someone waits: an error with a stack costs more than the close
    if (this.outgoing.size > 0) this.outgoing.failAll(reason, error)
    this.incoming.abortAll(this.incoming.size > 0 ? new ConnectionClosedError(reason, error ? { cause: error } : undefined) : null)
    this.streams.closeAll(reason, error)
    if (this.incoming.ready) {
      for (const hook of this.options.iface?.disconnectedHooks ?? []) {
        try {
          hook(this, reason)
        } catch (e) {
          this.options.logger.warn?.(`onDisconnected hook failed: ${(e as Error).message}`)
        }
      }
    }
    this.options.onClose?.(close)
  }
}
