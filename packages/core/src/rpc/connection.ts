import { BipackWriter, type Schema } from '@kp/bipack'
import type { PublicKey } from '@kp/crypto'
import { AbortedError } from '../errors/aborted-error.js'
import { ConnectionClosedError } from '../errors/connection-closed-error.js'
import { KiloError } from '../errors/kilo-error.js'
import { MessageTooLargeError } from '../errors/message-too-large-error.js'
import { ProtocolError } from '../errors/protocol-error.js'
import { TimeoutError } from '../errors/timeout-error.js'
import type { SessionKeys } from '../handshake/key-schedule.js'
import { Defaults, ErrorCode, FrameType, Kind, RECORD_OVERHEAD } from '../protocol/constants.js'
import {
  type MessageSink,
  type ReadyInfo,
  readMessages,
  writeCall,
  writeCancel,
  writeClose,
  writeError,
  writePing,
  writePong,
  writePush,
  writeReady,
  writeResult,
} from '../protocol/messages.js'
import { callSize, pushSize, resultSize } from '../protocol/message-size.js'
import { RecordOpener, type RecordStats } from '../record/record-opener.js'
import { RecordSealer } from '../record/record-sealer.js'
import type { Transport } from '../transport/transport.js'
import type { Logger } from '../util/logger.js'
import { bytesEqual } from '../util/bytes.js'
import { scheduleTurn } from '../util/schedule-turn.js'
import { ArqDecodeError } from '../arq/arq-decode-error.js'
import { ArqEngine } from '../arq/engine.js'
import { ApplicationError, errorRegistry } from './application-error.js'
import { IncomingCall } from './call-context.js'
import { InboundBacklog } from './inbound-backlog.js'
import type { Command } from './command.js'
import type { CallOptions, SessionContext } from './context.js'
import type { KiloInterface } from './kilo-interface.js'
import { RemoteError } from '../errors/remote-error.js'

/** Everything a connection needs once the handshake produced session keys. @internal */
export interface ConnectionOptions<S> {
  transport: Transport
  keys: SessionKeys
  role: 'client' | 'server'
  iface: KiloInterface<S> | undefined
  session: S
  remoteId: PublicKey | null
  /** Incoming calls allowed in flight (beyond: ERROR kp.Busy); also our own outgoing window. */
  maxInFlight: number
  /** Server: the limit it announces in READY. Client: unused until READY arrives. */
  maxMessage: number
  pingIntervalMs: number
  idleTimeoutMs: number
  /** Default call timeout, 0 for none. */
  callTimeoutMs: number
  /** Datagram server: the FINISH whose byte-identical repeat gets the cached READY frame again. */
  finish?: Uint8Array
  logger: Logger
  /** Server: send READY first (default). False: the first record will be a CLOSE (refusal). */
  announce?: boolean
  /** Client: called when READY arrives (the connection is usable). */
  onReady?: (info: ReadyInfo) => void
  /** Reliable datagram mode (PROTOCOL.md 9): every message travels in ARQ frames. */
  arq?: boolean
  /** Called once when the connection is closed. */
  onClose?: (reason: string, error: Error | undefined) => void
}

interface PendingCall {
  resolve(value: unknown): void
  reject(error: Error): void
  command: Command<unknown, unknown>
  timer: ReturnType<typeof setTimeout> | undefined
  signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
  /** Encoded CALL message while waiting for a slot in the in-flight window. */
  queued: Uint8Array | undefined
}

const EMPTY: Uint8Array = new Uint8Array(0)

/**
 * One established session: seals and opens records, coalesces the messages of one event-loop
 * turn into one record, runs calls both ways, pushes, cancellation, liveness and close.
 * Both sides use the same class. @internal
 */
export class Connection<S = unknown> implements SessionContext<S> {
  readonly session: S
  readonly remoteId: PublicKey | null
  readonly token: Uint8Array
  readonly remoteAddress: string
  readonly transport: Transport
  private readonly sealer: RecordSealer
  private readonly opener: RecordOpener
  private readonly reliable: boolean
  private readonly options: ConnectionOptions<S>
  private readonly iface: KiloInterface<S> | undefined
  private readonly maxRecordPlaintext: number

  private readonly out = new BipackWriter(1024)
  private readonly scratch = new BipackWriter(256)
  private flushScheduled = false
  private readonly flushNow = () => this.flush()

  private nextCallId = 1
  private readonly pending = new Map<number, PendingCall>()
  private inFlightOut = 0
  private readonly waiting: number[] = []
  private readonly incoming = new Map<number, IncomingCall<S>>()

  /** Limit of one message towards the peer (the server's READY value, or our own). */
  private peerMaxMessage: number
  private awaitingReady: boolean
  /** Largest message accepted from the peer: what we announced (server) or our own frame limit. */
  private readonly receiveLimit: number
  /**
   * Datagram server: the first record (READY), resent for a repeated FINISH a bounded number of
   * times; undefined until it is sealed, null once retired.
   */
  private firstFrame: Uint8Array | null | undefined = undefined
  private finishRepeats = 0
  private hooksDone = false
  /** CALLs and PUSHes waiting for the connect hooks, and PUSHes beyond the in-flight limit. */
  private readonly backlog: InboundBacklog
  /** Push handlers still running (their promises not settled): counted with incoming calls. */
  private runningPushes = 0

  private pingIntervalMs: number
  private idleTimeoutMs: number
  private lastSent = Date.now()
  private lastReceived = Date.now()
  private livenessTimer: ReturnType<typeof setTimeout> | undefined

  /** Reliable datagram mode: the ARQ engine and its one timer. */
  private readonly arq: ArqEngine | null = null
  private arqTimer: ReturnType<typeof setTimeout> | undefined
  private arqTimerAt = Number.POSITIVE_INFINITY
  private readonly onArqTimer = () => {
    this.arqTimer = undefined
    this.arqTimerAt = Number.POSITIVE_INFINITY
    if (this.closed || !this.arq) return
    this.arq.onTimer()
    this.armArqTimer()
  }

  private closed = false
  /** Why the connection closed (set once). */
  closeReason = ''

  constructor(options: ConnectionOptions<S>) {
    this.options = options
    this.transport = options.transport
    this.reliable = options.transport.reliable
    this.session = options.session
    this.remoteId = options.remoteId
    this.token = options.keys.token
    this.remoteAddress = options.transport.remoteAddress
    this.iface = options.iface
    const client = options.role === 'client'
    this.sealer = new RecordSealer(client ? options.keys.c2s : options.keys.s2c)
    this.opener = new RecordOpener(client ? options.keys.s2c : options.keys.c2s, this.reliable)
    this.maxRecordPlaintext = options.transport.maxFrame - RECORD_OVERHEAD
    if (options.arq) {
      this.arq = new ArqEngine({
        now: () => performance.now(),
        // each (re)transmission is a new ARQ frame with a new counter (PROTOCOL.md 9)
        output: (payload) => this.sendFrame(this.sealer.seal(payload, FrameType.Arq)),
        mtu: Math.min(options.transport.maxFrame, Defaults.arqDatagram) - RECORD_OVERHEAD,
        deadLinkMs: options.idleTimeoutMs,
        // the server enforces the maxMessage it announces on every reassembled message
        maxMessage: client ? undefined : options.maxMessage,
        // a limit (kp.SlowPeer, kp.MemoryBudget, ProtocolError) comes with its error
        onDead: (reason, error) => queueMicrotask(() => this.close(error ? reason : `dead link: ${reason}`, { sendClose: false, error })),
      })
      // one turn's plaintext is one ARQ message of up to 255 fragments
      this.maxRecordPlaintext = this.arq.maxMessageSize
    }
    this.peerMaxMessage = Math.min(options.maxMessage, this.maxRecordPlaintext)
    // the server enforces what it announces; the client, what one record can carry
    this.receiveLimit = client ? this.maxRecordPlaintext : this.peerMaxMessage
    this.backlog = new InboundBacklog(options.maxInFlight, Math.max(Defaults.backlogBytes, 2 * this.receiveLimit))
    this.pingIntervalMs = options.pingIntervalMs
    this.idleTimeoutMs = options.idleTimeoutMs
    this.awaitingReady = client
    if (!client && options.announce !== false) {
      // The server's first record starts with READY (PROTOCOL.md 4.5); kept to answer a repeated FINISH.
      writeReady(this.out, { maxMessage: this.peerMaxMessage, pingIntervalMs: this.pingIntervalMs, idleTimeoutMs: this.idleTimeoutMs })
      this.flush()
    }
    this.armLiveness()
  }

  get stats(): Readonly<RecordStats> {
    return this.opener.stats
  }

  /** True once closed. */
  get isClosed(): boolean {
    return this.closed
  }

  /** Number of our calls waiting for an answer. */
  get pendingCalls(): number {
    return this.pending.size
  }

  // ---------------------------------------------------------------- outgoing

  /**
   * Runs the connect hooks; incoming calls and pushes wait in the backlog until they finish
   * (PROTOCOL.md leaves order to us). Never throws and never leaves a promise unhandled: a
   * failing hook closes this connection.
   */
  runConnectedHooks(): void {
    const hooks = this.iface?.connectedHooks ?? []
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
    this.hooksDone = true
    this.drainBacklog()
  }

  /**
   * Starts what waits in the backlog, in order, while the in-flight limit allows (calls beyond
   * it are answered kp.Busy by onCall). Runs outside `onFrame`, so it catches for itself: a
   * hostile message in the backlog ends this connection, never the process.
   */
  private drainBacklog(): void {
    try {
      for (let w = this.backlog.peek(); w && this.hooksDone && !this.closed; w = this.backlog.peek()) {
        if (w.id < 0 && this.incoming.size + this.runningPushes >= this.options.maxInFlight) return
        this.backlog.shift()
        if (w.id < 0) this.onPush(w.name, w.args)
        else this.onCall(w.id, w.name, w.args)
      }
    } catch (e) {
      this.protocolError(e as Error)
    }
  }

  call<A, R>(command: Command<A, R>, args: NoInfer<A>, options?: CallOptions): Promise<R> {
    if (this.closed) return Promise.reject(new ConnectionClosedError(this.closeReason))
    let encoded: Uint8Array
    try {
      encoded = this.encode(command.args, args)
    } catch (e) {
      return Promise.reject(e)
    }
    const id = this.nextCallId++
    const size = callSize(id, command.name, encoded.length)
    if (size > this.peerMaxMessage) return Promise.reject(new MessageTooLargeError(size, this.peerMaxMessage, `call '${command.name}'`))
    const signal = options?.signal
    if (signal?.aborted) return Promise.reject(new AbortedError(`call '${command.name}'`, { cause: signal.reason }))
    return new Promise<R>((resolve, reject) => {
      const p: PendingCall = {
        resolve: resolve as (v: unknown) => void,
        reject,
        command: command as Command<unknown, unknown>,
        timer: undefined,
        signal,
        onAbort: undefined,
        queued: undefined,
      }
      const timeoutMs = options?.timeoutMs ?? this.options.callTimeoutMs
      if (timeoutMs > 0) p.timer = setTimeout(() => this.abandon(id, new TimeoutError(`call '${command.name}'`, timeoutMs)), timeoutMs)
      if (signal) {
        p.onAbort = () => this.abandon(id, new AbortedError(`call '${command.name}'`, { cause: signal.reason }))
        signal.addEventListener('abort', p.onAbort, { once: true })
      }
      this.pending.set(id, p)
      if (this.inFlightOut < this.options.maxInFlight) {
        this.inFlightOut++
        this.reserve(size)
        writeCall(this.out, id, command.name, encoded)
      } else {
        // Beyond the in-flight window calls wait here, not at the peer (which would answer kp.Busy).
        const s = new BipackWriter(size)
        writeCall(s, id, command.name, encoded)
        p.queued = s.view()
        this.waiting.push(id)
      }
    })
  }

  push<A>(command: Command<A, any>, args: NoInfer<A>): void {
    if (this.closed) throw new ConnectionClosedError(this.closeReason)
    const encoded = this.encode(command.args, args)
    const size = pushSize(command.name, encoded.length)
    if (size > this.peerMaxMessage) throw new MessageTooLargeError(size, this.peerMaxMessage, `push '${command.name}'`)
    this.reserve(size)
    writePush(this.out, command.name, encoded)
  }

  /**
   * Encodes a value into the shared scratch writer; the view is valid until the next encode
   * (the caller copies it into the record at once). Saves an allocation per message.
   */
  private encode<T>(schema: Schema<T>, value: T): Uint8Array {
    const w = this.scratch
    w.reset()
    schema.write(w, value)
    return w.view()
  }

  /** The caller stopped waiting: fail locally, tell the callee (CANCEL), free the slot. */
  private abandon(id: number, error: Error): void {
    const p = this.pending.get(id)
    if (!p) return
    this.settle(id, p)
    if (p.queued) {
      const i = this.waiting.indexOf(id)
      if (i >= 0) this.waiting.splice(i, 1)
    } else if (!this.closed) {
      const s = this.scratch
      s.reset()
      writeCancel(s, id)
      this.append(s.view())
    }
    p.reject(error)
  }

  /** Removes a pending call and releases its timer, listener and window slot. */
  private settle(id: number, p: PendingCall): void {
    this.pending.delete(id)
    if (p.timer) clearTimeout(p.timer)
    if (p.onAbort) p.signal!.removeEventListener('abort', p.onAbort)
    if (!p.queued) {
      this.inFlightOut--
      this.releaseWaiting()
    }
  }

  private releaseWaiting(): void {
    while (this.waiting.length > 0 && this.inFlightOut < this.options.maxInFlight && !this.closed) {
      const id = this.waiting.shift()!
      const p = this.pending.get(id)
      if (!p?.queued) continue
      const bytes = p.queued
      p.queued = undefined
      this.inFlightOut++
      this.append(bytes)
    }
  }

  /** Makes room for a message of `size` bytes in the record being built; flushes at the end of the turn. */
  private reserve(size: number): void {
    // reliable datagrams: one turn is one ARQ message, which the receiver bounds by maxMessage
    const cap = this.arq ? this.peerMaxMessage : this.maxRecordPlaintext
    if (this.out.length > 0 && this.out.length + size > cap) this.flush()
    if (!this.flushScheduled) {
      this.flushScheduled = true
      scheduleTurn(this.flushNow)
    }
  }

  /** Appends one encoded message to the record being built. */
  private append(message: Uint8Array): void {
    this.reserve(message.length)
    this.out.fixed(message)
  }

  private appendWith(write: (w: BipackWriter) => void): void {
    const s = this.scratch
    s.reset()
    write(s)
    this.append(s.view())
  }

  /** Seals what was queued into one record and sends it. */
  private flush(): void {
    this.flushScheduled = false
    if (this.closedTransport) return
    const arq = this.arq
    if (arq) {
      if (this.out.length > 0) {
        arq.send(this.out.view()) // copies
        this.out.reset()
        this.lastSent = Date.now()
      }
      arq.flush()
      this.armArqTimer()
      return
    }
    if (this.out.length === 0) return
    const frame = this.sealer.seal(this.out.view(), FrameType.Record)
    this.out.reset()
    if (this.firstFrame === undefined && this.options.role === 'server' && !this.reliable) this.firstFrame = frame
    this.lastSent = Date.now()
    this.sendFrame(frame)
  }

  private sendFrame(frame: Uint8Array): void {
    try {
      this.transport.send(frame)
    } catch (e) {
      queueMicrotask(() => this.close(`send failed: ${(e as Error).message}`, { error: e as Error, sendClose: false }))
    }
  }

  /** Keeps the session's one ARQ timer armed for the engine's next deadline. */
  private armArqTimer(): void {
    const at = this.arq!.nextTimerAt()
    if (at === null || this.closed) return
    if (this.arqTimer && at >= this.arqTimerAt) return // an earlier timer is armed: onTimer early is harmless
    if (this.arqTimer) clearTimeout(this.arqTimer)
    this.arqTimerAt = at
    this.arqTimer = setTimeout(this.onArqTimer, Math.max(0, at - performance.now()))
  }

  private closedTransport = false

  // ---------------------------------------------------------------- incoming

  /** One frame from the transport. */
  onFrame(frame: Uint8Array): void {
    if (this.closed) return
    const type = frame[0]
    if (this.arq) return this.onArqFrame(frame, type)
    if (type !== FrameType.Record) {
      if (!this.reliable) {
        // A repeated FINISH means our READY was lost: send the same first record again.
        // Bounded: a client resends FINISH at most about a dozen times (PROTOCOL.md 8).
        if (type === FrameType.Finish && this.firstFrame && this.options.finish && bytesEqual(frame, this.options.finish)) {
          const first = this.firstFrame
          if (++this.finishRepeats >= Defaults.maxFinishRepeats) this.firstFrame = null
          this.sendFrame(first)
        }
        return // datagrams of any other kind are dropped, never fatal
      }
      this.protocolError(new ProtocolError(`unexpected frame type ${type} after the handshake`))
      return
    }
    let plaintext: Uint8Array | null
    try {
      plaintext = this.opener.open(frame)
    } catch (e) {
      this.protocolError(e as Error)
      return
    }
    if (plaintext === null) return
    this.lastReceived = Date.now()
    // a record from the client proves READY arrived: no more answers to a repeated FINISH
    this.firstFrame = null
    try {
      if (this.awaitingReady) {
        if (plaintext.length === 0) throw new ProtocolError('record plaintext is empty')
        if (plaintext[0] !== Kind.Ready && plaintext[0] !== Kind.Close << 2) {
          // On datagrams READY may be lost while a later record arrives: drop it, READY comes again.
          if (!this.reliable) return
          throw new ProtocolError('the first record of the server does not start with READY')
        }
      }
      readMessages(plaintext, this.sink, this.receiveLimit)
    } catch (e) {
      this.protocolError(e as Error)
    }
  }

  /** Reliable datagram mode: only ARQ frames count; everything else is dropped (never fatal). */
  private onArqFrame(frame: Uint8Array, type: number | undefined): void {
    if (type !== FrameType.Arq) return
    const payload = this.opener.open(frame) // datagram opener: never throws, drops and counts
    if (payload === null) return
    let messages: readonly Uint8Array[]
    try {
      messages = this.arq!.input(payload)
    } catch (e) {
      if (ArqDecodeError.isInstance(e)) {
        this.opener.stats.forged++
        return
      }
      throw e
    }
    this.lastReceived = Date.now()
    // ACKs (and anything the handlers queue) leave at the end of this turn
    if (!this.flushScheduled) {
      this.flushScheduled = true
      scheduleTurn(this.flushNow)
    }
    for (const plaintext of messages) {
      if (this.closed) return
      try {
        if (this.awaitingReady && plaintext[0] !== Kind.Ready && plaintext[0] !== Kind.Close << 2) {
          throw new ProtocolError('the first message of the server is not READY')
        }
        readMessages(plaintext, this.sink, this.receiveLimit)
      } catch (e) {
        this.protocolError(e as Error)
        return
      }
    }
  }

  /** Where decoded messages go; built once per connection, no object per message. */
  private readonly sink: MessageSink = {
    ready: (r) => {
      if (this.closed) return
      if (!this.awaitingReady) throw new ProtocolError('READY received twice or by the server')
      this.awaitingReady = false
      // Every value a peer announces is checked and clamped (PROTOCOL.md 6.2, 7).
      if (r.maxMessage < Defaults.minMessage) throw new ProtocolError(`READY announces maxMessage ${r.maxMessage}, below the minimum of ${Defaults.minMessage}`)
      this.peerMaxMessage = Math.min(r.maxMessage, this.maxRecordPlaintext)
      // The client pings on the server's schedule, never faster (PROTOCOL.md 6.2).
      this.pingIntervalMs = r.pingIntervalMs === 0 ? 0 : clamp(r.pingIntervalMs, Defaults.minPingIntervalMs, Defaults.maxTimerMs)
      if (r.idleTimeoutMs > 0) {
        this.idleTimeoutMs = clamp(r.idleTimeoutMs, Defaults.minIdleTimeoutMs, Defaults.maxTimerMs)
        this.arq?.setDeadLinkMs(this.idleTimeoutMs)
      }
      this.armLiveness()
      this.options.onReady?.(r)
    },
    call: (id, command, args) => {
      if (this.closed) return
      this.expectReady()
      // in order behind what already waits; the connect hooks run first
      if (!this.hooksDone || this.backlog.size > 0) return this.backlog.add(id, command, args, 'calls and pushes')
      this.onCall(id, command, args)
    },
    push: (command, args) => {
      if (this.closed) return
      this.expectReady()
      // a push has no answer to refuse it with: beyond the in-flight limit it waits (bounded)
      if (!this.hooksDone || this.backlog.size > 0 || this.incoming.size + this.runningPushes >= this.options.maxInFlight) {
        return this.backlog.add(-1, command, args, 'calls and pushes (the handlers do not keep up)')
      }
      this.onPush(command, args)
    },
    result: (id, value) => {
      if (this.closed) return
      this.expectReady()
      this.onResult(id, value)
    },
    error: (id, code, message, data) => {
      if (this.closed) return
      this.expectReady()
      this.onError(id, code, message, data)
    },
    cancel: (id) => {
      if (this.closed) return
      this.expectReady()
      const c = this.incoming.get(id)
      if (c && !c.cancelled) {
        c.cancelled = true
        c.abort(new AbortedError('call cancelled by the caller'))
      }
    },
    ping: () => {
      if (this.closed) return
      this.expectReady()
      this.appendWith(writePong)
    },
    pong: () => {
      if (!this.closed) this.expectReady()
    },
    close: (reason) => {
      this.close(`closed by peer: ${reason}`, { sendClose: false, byPeer: true })
    },
  }

  private expectReady(): void {
    if (this.awaitingReady) throw new ProtocolError('message before READY')
  }

  private onCall(id: number, name: string, argBytes: Uint8Array): void {
    if (this.incoming.has(id)) throw new ProtocolError(`call id ${id} reused while in flight`)
    if (this.incoming.size >= this.options.maxInFlight) {
      return this.sendError(id, ErrorCode.Busy, `more than ${this.options.maxInFlight} calls in flight`, EMPTY)
    }
    const reg = this.iface?.handlers.get(name)
    if (!reg) return this.sendError(id, ErrorCode.UnknownCommand, `unknown command '${name}'`, EMPTY)
    let args: unknown
    try {
      args = reg.command.args.decode(argBytes)
    } catch (e) {
      return this.sendError(id, ErrorCode.BadArguments, `arguments of '${name}' do not decode: ${(e as Error).message}`, EMPTY)
    }
    const call = new IncomingCall<S>(this)
    this.incoming.set(id, call)
    let result: unknown
    try {
      result = reg.handler(args, call)
    } catch (e) {
      this.finishCall(id, call, name, reg.command, undefined, e)
      return
    }
    if (isPromiseLike(result)) {
      result.then(
        (v) => this.finishCall(id, call, name, reg.command, v, undefined),
        (e) => this.finishCall(id, call, name, reg.command, undefined, e ?? new Error('rejected')),
      )
    } else this.finishCall(id, call, name, reg.command, result, undefined)
  }

  private finishCall(id: number, call: IncomingCall<S>, name: string, command: Command<unknown, unknown>, value: unknown, error: unknown): void {
    this.incoming.delete(id)
    if (call.cancelled || this.closed) return
    if (this.backlog.size > 0) queueMicrotask(this.drainNow)
    if (error === undefined) {
      let encoded: Uint8Array
      try {
        encoded = this.encode(command.result, value)
      } catch (e) {
        this.options.logger.warn?.(`result of '${name}' does not encode: ${(e as Error).message}`)
        return this.sendError(id, ErrorCode.Internal, `result of '${name}' does not encode`, EMPTY)
      }
      const size = resultSize(id, encoded.length)
      if (size > this.peerMaxMessage) {
        const tooLarge = new MessageTooLargeError(size, this.peerMaxMessage, `result of '${name}'`)
        return this.sendError(id, ErrorCode.Internal, tooLarge.message, EMPTY)
      }
      this.reserve(size)
      writeResult(this.out, id, encoded)
      return
    }
    this.sendThrown(id, name, error)
  }

  /** Maps what a handler threw to an ERROR message (PROTOCOL.md 6.1); stacks never cross. */
  private sendThrown(id: number, name: string, error: unknown): void {
    if (ApplicationError.isInstance(error)) {
      const cls = errorRegistry().get(error.code)
      let data = EMPTY
      if (cls?.dataSchema) {
        try {
          data = cls.dataSchema.encode(error.data)
        } catch (e) {
          this.options.logger.warn?.(`data of error '${error.code}' does not encode: ${(e as Error).message}`)
        }
      }
      return this.sendError(id, error.code, error.message, data)
    }
    if (RemoteError.isInstance(error)) {
      // An error from a nested call passes through with its code.
      return this.sendError(id, error.code, error.message, error.data)
    }
    this.options.logger.warn?.(`handler of '${name}' failed: ${(error as Error)?.stack ?? String(error)}`)
    const code = KiloError.isInstance(error) ? error.code : ErrorCode.Internal
    const message = KiloError.isInstance(error) ? error.message : `internal error in handler of '${name}'`
    this.sendError(id, code.startsWith('kp.') ? code : ErrorCode.Internal, message, EMPTY)
  }

  private sendError(id: number, code: string, message: string, data: Uint8Array): void {
    const s = this.scratch
    s.reset()
    writeError(s, id, code, message.length > 1000 ? message.slice(0, 1000) : message, data)
    if (s.length > this.peerMaxMessage) {
      s.reset()
      writeError(s, id, code, 'error too large to send', EMPTY)
    }
    this.append(s.view())
  }

  private onPush(name: string, argBytes: Uint8Array): void {
    const reg = this.iface?.handlers.get(name)
    if (!reg) {
      this.options.logger.debug?.(`push of unknown command '${name}' ignored`)
      return
    }
    let args: unknown
    try {
      args = reg.command.args.decode(argBytes)
    } catch (e) {
      this.options.logger.debug?.(`push '${name}' arguments do not decode: ${(e as Error).message}`)
      return
    }
    const call = new IncomingCall<S>(this)
    const report = (e: unknown) => this.options.logger.warn?.(`push handler of '${name}' failed: ${(e as Error)?.message ?? e}`)
    try {
      const r = reg.handler(args, call)
      if (isPromiseLike(r)) {
        this.runningPushes++
        r.then(this.pushDone, (e) => {
          report(e)
          this.pushDone()
        })
      }
    } catch (e) {
      report(e)
    }
  }

  private readonly drainNow = () => this.drainBacklog()
  private readonly pushDone = () => {
    this.runningPushes--
    if (this.backlog.size > 0 && !this.closed) this.drainBacklog()
  }

  private onResult(id: number, value: Uint8Array): void {
    const p = this.pending.get(id)
    if (!p || p.queued) return // late answer of an abandoned call
    this.settle(id, p)
    let decoded: unknown
    try {
      decoded = p.command.result.decode(value)
    } catch (e) {
      p.reject(new KiloError('kp.BadResult', `result of '${p.command.name}' does not decode: ${(e as Error).message}`, { cause: e }))
      return
    }
    p.resolve(decoded)
  }

  private onError(id: number, code: string, message: string, data: Uint8Array): void {
    const p = this.pending.get(id)
    if (!p || p.queued) return
    this.settle(id, p)
    const cls = code.startsWith('kp.') ? undefined : errorRegistry().get(code)
    if (cls) {
      try {
        const payload = cls.dataSchema ? cls.dataSchema.decode(data) : undefined
        p.reject(new (cls as new (m: string, d: unknown) => Error)(message, payload))
        return
      } catch {
        // payload does not decode: fall through to RemoteError
      }
    }
    p.reject(new RemoteError(code, message, data.slice()))
  }

  // ---------------------------------------------------------------- liveness and close

  private armLiveness(): void {
    if (this.livenessTimer) clearTimeout(this.livenessTimer)
    if (this.closed) return
    const now = Date.now()
    let due = Number.POSITIVE_INFINITY
    if (this.idleTimeoutMs > 0) due = Math.min(due, this.lastReceived + this.idleTimeoutMs)
    if (this.pingIntervalMs > 0 && !this.awaitingReady) due = Math.min(due, this.lastSent + this.pingIntervalMs)
    if (due === Number.POSITIVE_INFINITY) return
    this.livenessTimer = setTimeout(() => this.onLivenessTimer(), clamp(due - now + 1, 1, Defaults.maxTimerMs))
    ;(this.livenessTimer as { unref?: () => void }).unref?.()
  }

  private onLivenessTimer(): void {
    if (this.closed) return
    const now = Date.now()
    if (this.idleTimeoutMs > 0 && now - this.lastReceived >= this.idleTimeoutMs) {
      this.close(`idle timeout: nothing received for ${this.idleTimeoutMs} ms`, { sendClose: true })
      return
    }
    if (this.pingIntervalMs > 0 && !this.awaitingReady && now - this.lastSent >= this.pingIntervalMs) {
      this.appendWith(writePing)
      this.lastSent = now
    }
    this.armLiveness()
  }

  /** The transport reported its close. */
  onTransportClose(error?: Error): void {
    this.closedTransport = true
    this.close(error ? `transport closed: ${error.message}` : 'transport closed', { sendClose: false, error })
  }

  private protocolError(e: Error): void {
    this.options.logger.debug?.(`protocol error from ${this.remoteAddress}: ${e.message}`)
    this.close(`protocol error: ${e.message}`, { sendClose: false, error: e })
  }

  /**
   * Closes the connection: sends CLOSE (best effort) unless told not to, fails every pending
   * call with `ConnectionClosedError`, aborts running handlers, runs the disconnect hooks.
   */
  close(reason = 'closed', opts: { sendClose?: boolean; error?: Error | undefined; byPeer?: boolean } = {}): void {
    if (this.closed) return
    const sendClose = opts.sendClose ?? true
    if (sendClose && !this.closedTransport && !this.awaitingReady) {
      this.out.reset() // drop what was not sent yet: the peer's pending calls fail anyway
      writeClose(this.out, reason.length > 200 ? reason.slice(0, 200) : reason)
      this.flush()
    }
    this.closed = true
    this.closeReason = reason
    if (this.livenessTimer) clearTimeout(this.livenessTimer)
    if (this.arqTimer) clearTimeout(this.arqTimer)
    this.arq?.close() // gives its bytes back to the memory budget
    if (!this.closedTransport) {
      this.closedTransport = true
      this.transport.close(opts.error)
    }
    if (this.pending.size > 0 || this.incoming.size > 0) {
      // built only when someone is waiting: an error with a stack costs more than the close
      const error = new ConnectionClosedError(reason, opts.error ? { cause: opts.error } : undefined)
      const pending = [...this.pending.values()]
      this.pending.clear()
      this.waiting.length = 0
      for (const p of pending) {
        if (p.timer) clearTimeout(p.timer)
        if (p.onAbort) p.signal!.removeEventListener('abort', p.onAbort)
        p.reject(error)
      }
      for (const c of this.incoming.values()) c.abort(error)
      this.incoming.clear()
    }
    this.backlog.clear()
    if (this.hooksDone) {
      for (const hook of this.iface?.disconnectedHooks ?? []) {
        try {
          hook(this, reason)
        } catch (e) {
          this.options.logger.warn?.(`onDisconnected hook failed: ${(e as Error).message}`)
        }
      }
    }
    this.options.onClose?.(reason, opts.error)
  }
}

function clamp(v: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, v))
}

function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as PromiseLike<unknown>).then === 'function'
}
