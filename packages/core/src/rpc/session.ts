import { BipackWriter, type Schema } from '@kp/bipack'
import type { PublicKey } from '@kp/crypto'
import { ConnectionClosedError } from '../errors/connection-closed-error.js'
import { MessageTooLargeError } from '../errors/message-too-large-error.js'
import type { LinkClose } from '../link/close-code.js'
import type { Link, LinkUser } from '../link/link.js'
import { pushSize } from '../protocol/message-size.js'
import { writePush } from '../protocol/messages.js'
import type { RecordStats } from '../record/record-opener.js'
import type { Logger } from '../util/logger.js'
import type { Command } from './command.js'
import type { CallOptions, SessionContext } from './context.js'
import { IdAllocator } from './id-allocator.js'
import { type IncomingHost, IncomingCalls } from './incoming-calls.js'
import type { KiloInterface } from './kilo-interface.js'
import { OutgoingCalls } from './outgoing-calls.js'

/**
 * Scratch writer for arguments and results, shared by every session: each view it returns is
 * copied into a record before the next encode. One that grew past 64 KiB (a large message) is
 * replaced at the next encode, so a large message does not stay allocated.
 */
let scratch = new BipackWriter(256)
function freshScratch(): BipackWriter {
  if (scratch.capacity > 64 * 1024) scratch = new BipackWriter(256)
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
  logger: Logger
  /** Called once when the session ends, with how its link ended. */
  onClose?: ((close: LinkClose) => void) | undefined
}

/**
 * One authenticated session: the user's session object, the peer's identity, both call tables
 * and the connect/disconnect hooks. It sends and receives through a {@link Link}; when the link
 * ends, the session ends with it (the one place a later change makes a session outlive its link).
 * Both sides use the same class; it is the `ctx` of the connect hooks. @internal
 */
export class Session<S = unknown> implements SessionContext<S>, IncomingHost<S> {
  readonly session: S
  readonly remoteId: PublicKey | null
  readonly link: Link
  private readonly options: SessionOptions<S>
  private readonly ids = new IdAllocator()
  private readonly outgoing: OutgoingCalls
  private readonly incoming: IncomingCalls<S>
  private closed = false
  /** Why the session ended (set once). */
  closeReason = ''

  constructor(link: Link, options: SessionOptions<S>) {
    this.link = link
    this.options = options
    this.session = options.session
    this.remoteId = options.remoteId
    this.outgoing = new OutgoingCalls(this, this.ids, options.maxInFlight, options.callTimeoutMs)
    this.incoming = new IncomingCalls<S>(this, options.iface, options.maxInFlight, link.receiveLimit, options.logger)
    link.attach(this.fromLink())
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
    if (!link.reliable && !link.records.arq) return 'plain UDP carries each message in one datagram: connect with { reliable: true } (messages of up to 255 datagrams), or use TCP or WebSocket'
    return undefined
  }
  reserve(size: number): BipackWriter {
    return this.link.reserve(size)
  }
  append(message: Uint8Array): void {
    this.link.append(message)
  }
  encode<T>(schema: Schema<T>, value: T): Uint8Array {
    const w = freshScratch()
    schema.write(w, value)
    return w.view()
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
    writePush(this.link.reserve(size), command.name, encoded)
  }

  /**
   * Queues a PUSH whose arguments are already encoded (one encoding for many sessions).
   * False when the session is closed or the message is over the peer's limit. @internal
   */
  pushEncoded(name: string, encoded: Uint8Array): boolean {
    if (this.closed) return false
    const size = pushSize(name, encoded.length)
    if (size > this.link.peerMaxMessage) return false
    writePush(this.link.reserve(size), name, encoded)
    return true
  }

  /** Closes the session: sends CLOSE with the reason and ends the link. */
  close(reason = 'closed'): void {
    this.link.close(reason, { sendClose: true, code: 'local' })
  }

  // ---------------------------------------------------------------- from the peer

  /** What the link hands in: the peer's session messages, and its own end. */
  private fromLink(): LinkUser {
    return new SessionLinkUser(this.incoming, this.outgoing, (close) => this.linkClosed(close))
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
    if (!this.closed) this.incoming.hooksFinished()
  }

  /** A hostile message found outside a frame handler (the backlog): the link closes. */
  protocolError(e: Error): void {
    this.link.protocolError(e)
  }

  /** The link ended: today the session ends with it. */
  private linkClosed(close: LinkClose): void {
    this.end(close)
  }

  /** Fails every pending call, aborts running handlers, runs the disconnect hooks, once. */
  private end(close: LinkClose): void {
    if (this.closed) return
    this.closed = true
    const { reason, error } = close
    this.closeReason = reason
    // errors are built only when someone waits: an error with a stack costs more than the close
    if (this.outgoing.size > 0) this.outgoing.failAll(reason, error)
    this.incoming.abortAll(this.incoming.size > 0 ? new ConnectionClosedError(reason, error ? { cause: error } : undefined) : null)
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

/** The session as its link sees it: one small object per session (methods, not closures). */
class SessionLinkUser<S> implements LinkUser {
  constructor(
    private readonly incoming: IncomingCalls<S>,
    private readonly outgoing: OutgoingCalls,
    readonly linkClosed: (close: LinkClose) => void,
  ) {}
  call(id: number, command: string, args: Uint8Array): void {
    this.incoming.call(id, command, args)
  }
  push(command: string, args: Uint8Array): void {
    this.incoming.push(command, args)
  }
  result(id: number, value: Uint8Array): void {
    this.outgoing.onResult(id, value)
  }
  error(id: number, code: string, message: string, data: Uint8Array): void {
    this.outgoing.onError(id, code, message, data)
  }
  cancel(id: number): void {
    this.incoming.cancel(id)
  }
}
