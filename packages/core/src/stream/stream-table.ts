import type { ErrorRegistry } from '../rpc/application-error.js'
import type { BipackWriter, Schema } from '@kp/bipack'
import { AbortedError } from '../errors/aborted-error.js'
import { ConnectionClosedError } from '../errors/connection-closed-error.js'
import { KiloError } from '../errors/kilo-error.js'
import { MessageTooLargeError } from '../errors/message-too-large-error.js'
import { NotSupportedError } from '../errors/not-supported-error.js'
import { ProtocolError } from '../errors/protocol-error.js'
import type { ItemScheduler, ScheduledSource } from '../link/item-scheduler.js'
import { Defaults, ErrorCode } from '../protocol/constants.js'
import { itemSize, openSize } from '../protocol/message-size.js'
import { writeCancel, writeCredit, writeEnd, writeFail, writeOpen, writeStop } from '../protocol/messages.js'
import { IncomingCall } from '../rpc/call-context.js'
import type { SessionContext } from '../rpc/context.js'
import { errorToWire, wireToError } from '../rpc/error-mapping.js'
import type { IdAllocator } from '../rpc/id-allocator.js'
import type { KiloInterface } from '../rpc/kilo-interface.js'
import type { Outbox } from '../rpc/outbox.js'
import type { Logger } from '../util/logger.js'
import { type AnyStreamDefinition, CALLEE_SENDS, flagsOf, isStreamDefinition, OPENER_SENDS, schemasOf, shapeOf } from './definitions.js'
import { Inflow, type InflowHost } from './inflow.js'
import { Outflow, type OutflowHost } from './outflow.js'
import { type AnyIterator, iteratorOf } from './sources.js'

const EMPTY: Uint8Array = new Uint8Array(0)

/** What the stream table needs from its session. @internal */
export interface StreamHost<S> extends Outbox {
  /** The context handlers see (the session). */
  readonly context: SessionContext<S> & { readonly isClosed: boolean; readonly closeReason: string }
  /** Encodes into the session's scratch writer; the view is valid until the next encode. */
  encode<T>(schema: Schema<T>, value: T): Uint8Array
  /** Writes into the session's scratch writer; the view is valid until the next encode. */
  encodeWith(write: (w: BipackWriter) => void): Uint8Array
  /** Null when streams may run (a reliable transport, or reliable datagram mode), else why not. */
  readonly streamsRefused: string | null
  /** The write path's scheduler of stream items. */
  itemScheduler(): ItemScheduler
}

/** Limits of a stream table. @internal */
export interface StreamTableOptions {
  /** Streams the peer may have open here; also how many of ours are open at once (more wait). */
  maxStreams: number
  /** Window of the items this side reads on the peer's sinks and channels. */
  window: number
  logger: Logger
  /** Where the peer's application error codes (in FAIL) are looked up. */
  errors: ErrorRegistry
}

/** The sink opener's pending answer. */
interface Answer {
  resolve(value: unknown): void
  reject(error: Error): void
  promise: Promise<unknown>
  schema: Schema<unknown>
}

/**
 * One stream, sink or channel, on either side. `tx` is the direction this side sends, `rx` the
 * one it receives; a direction without items (the opener's side of a stream, the callee's answer
 * of a sink) has no flow object but still a state. @internal
 */
export class StreamState implements OutflowHost, InflowHost {
  /** The reference this side writes (PROTOCOL.md 14): id × 2, plus 1 when the peer opened it. */
  readonly ref: number
  tx: Outflow<unknown> | null = null
  rx: Inflow<unknown> | null = null
  txOpen = false
  rxOpen = true
  /** Callee: the handler has not finished. */
  running = false
  /** Opener: OPEN was written (false while it waits for a slot). */
  sent = false
  /** Opener: the encoded arguments until OPEN is written. */
  args: Uint8Array | null = null
  /** Callee: the handler's context. */
  ctx: IncomingCall<unknown> | null = null
  /** Opener of a sink: the promise of the result. */
  answer: Answer | null = null
  signal: AbortSignal | undefined = undefined
  onAbort: (() => void) | undefined = undefined

  constructor(
    private readonly table: StreamTable<unknown>,
    readonly id: number,
    /** Opened by this side. */
    readonly mine: boolean,
    readonly def: AnyStreamDefinition,
    readonly what: string,
  ) {
    this.ref = id * 2 + (mine ? 0 : 1)
  }

  // OutflowHost
  get peerMaxMessage(): number {
    return this.table.host.peerMaxMessage
  }
  get limitHint(): string | undefined {
    return this.table.host.limitHint
  }
  encode<T>(schema: Schema<T>, value: T): Uint8Array {
    return this.table.host.encode(schema, value)
  }
  schedule(o: ScheduledSource): void {
    if (!this.table.host.isClosed) this.table.host.itemScheduler().add(o)
  }
  ended(_o: Outflow<unknown>, error: unknown): void {
    this.table.txEnded(this, error)
  }
  finished(_o: Outflow<unknown>): void {
    this.table.txFinished(this)
  }
  failFields(error: unknown): { code: string; message: string; data: Uint8Array } {
    // the opener gives up instead (CANCEL): nothing of this is sent
    if (this.mine) return { code: ErrorCode.Internal, message: '', data: EMPTY }
    return errorToWire(error, this.def.name, this.table.peerLabel(), this.table.options.logger)
  }
  report(error: unknown): void {
    this.table.options.logger.warn?.(`finishing the producer of ${this.what} failed: ${(error as Error)?.stack ?? error}`)
  }

  // InflowHost
  grant(n: number): void {
    this.table.writeCredit(this, n)
  }
  stopped(): void {
    this.table.rxStopped(this)
  }
}

/**
 * The streams of one session, both the ones this side opened and the peer's (PROTOCOL.md 14):
 * opening, the stream messages of the peer, handlers, limits, and the end of every stream when
 * the session ends. Ids come from the session's one {@link IdAllocator}, shared with calls.
 * A hostile message throws `ProtocolError` (the link closes); nothing here ends the process.
 * @internal
 */
export class StreamTable<S> {
  private readonly mine = new Map<number, StreamState>()
  private readonly theirs = new Map<number, StreamState>()
  /** Our streams waiting for a slot (beyond `maxStreams`). */
  private readonly waiting: StreamState[] = []
  private openMine = 0
  /** The highest id the peer opened a stream with: ids must grow. */
  private lastTheirs = 0
  /** Peer streams accepted before the connect hooks finished: started then. */
  private pendingStarts: { s: StreamState; args: unknown; handler: (...a: never[]) => unknown }[] | null = []

  constructor(
    readonly host: StreamHost<S>,
    private readonly iface: KiloInterface<S> | undefined,
    private readonly ids: IdAllocator,
    readonly options: StreamTableOptions,
  ) {}

  /** Streams open, both sides. */
  get size(): number {
    return this.mine.size + this.theirs.size
  }

  /** Streams the peer has open on this side (counted against `maxStreams`). */
  get peerStreams(): number {
    return this.theirs.size
  }

  /** Bytes this session's streams hold: items read and not yet taken, items encoded and not yet written. */
  get heldBytes(): number {
    let n = 0
    for (const m of [this.mine, this.theirs]) {
      for (const s of m.values()) n += (s.rx?.bufferedBytes ?? 0) + (s.tx?.queued ?? 0)
    }
    return n
  }

  /** For log lines: the peer's address and, when it proved one, its id. */
  peerLabel(): string {
    const ctx = this.host.context
    return ctx.remoteId ? `${ctx.remoteAddress}, id ${ctx.remoteId.toString()}` : ctx.remoteAddress
  }

  // ---------------------------------------------------------------- this side opens

  /**
   * Opens a stream, sink or channel on the peer (OPEN now, or once a slot frees). `args` is a
   * copy of the encoded arguments; `source` the opener's items (sinks and channels). Throws
   * when the session cannot carry it (closed, plain UDP, arguments over the peer's limit).
   */
  open(def: AnyStreamDefinition, args: Uint8Array, source: AnyIterator<unknown> | null, window: number, signal: AbortSignal | undefined): StreamState {
    const what = `${def.shape} '${def.name}'`
    const host = this.host
    if (host.isClosed) throw new ConnectionClosedError(host.context.closeReason, { outcome: 'not-sent' })
    if (host.streamsRefused !== null) throw new NotSupportedError(`${what}: ${host.streamsRefused}`)
    if (signal?.aborted) throw new AbortedError(what, { cause: signal.reason })
    const size = openSize(2 ** 53, def.name, Defaults.streamInitialCredit, args.length)
    if (size > host.peerMaxMessage) throw new MessageTooLargeError(size, host.peerMaxMessage, `the arguments of ${what}`, host.limitHint)
    const id = this.ids.next()
    const s = new StreamState(this as StreamTable<unknown>, id, true, def, what)
    const schemas = schemasOf(def)
    s.args = args
    if (schemas.down) s.rx = new Inflow(s, schemas.down, window, what)
    else {
      let resolve!: (v: unknown) => void
      let reject!: (e: Error) => void
      const promise = new Promise<unknown>((res, rej) => {
        resolve = res
        reject = rej
      })
      s.answer = { resolve, reject, promise, schema: schemas.result! }
    }
    if (schemas.up && source) {
      s.tx = new Outflow(s, s.ref, schemas.up, what)
      s.txOpen = true
      s.tx.attach(source)
    }
    this.mine.set(id, s)
    if (signal) {
      s.signal = signal
      s.onAbort = () => this.abandon(s, new AbortedError(what, { cause: signal.reason }))
      signal.addEventListener('abort', s.onAbort, { once: true })
    }
    if (this.openMine < this.options.maxStreams) this.sendOpen(s)
    else this.waiting.push(s)
    return s
  }

  private sendOpen(s: StreamState): void {
    const credit = s.rx ? s.rx.initialCredit() : 0
    const args = s.args!
    s.args = null
    s.sent = true
    this.openMine++
    writeOpen(this.host.reserve(openSize(s.id, s.def.name, credit, args.length)), s.id, flagsOf(s.def.shape), s.def.name, credit, args)
  }

  /** The opener gives up (abort, its source failed): CANCEL, and every local reader fails with `error`. */
  abandon(s: StreamState, error: Error): void {
    if (this.mine.get(s.id) !== s) return
    if (s.sent && !this.host.isClosed && (s.txOpen || s.rxOpen)) writeCancel(this.host.reserve(11), s.id)
    s.tx?.stop()
    s.txOpen = false
    s.rxOpen = false
    s.rx?.abort(error, false)
    s.answer?.reject(error)
    this.remove(s)
  }

  // ---------------------------------------------------------------- from the peer

  /** OPEN arrived. */
  onOpen(id: number, flags: number, name: string, credit: number, argBytes: Uint8Array): void {
    if (id <= this.lastTheirs) throw new ProtocolError(`OPEN with stream id ${id}, not above the last one opened (${this.lastTheirs})`)
    this.lastTheirs = id
    const shape = shapeOf(flags)
    if (shape === null) throw new ProtocolError(`OPEN of '${name}' with flags ${flags}`)
    if ((flags & CALLEE_SENDS) === 0 && credit !== 0) throw new ProtocolError(`OPEN of sink '${name}' grants credit for items it will not receive`)
    if (credit > Defaults.maxCredit) throw new ProtocolError(`OPEN of '${name}' grants ${credit} items of credit, more than ${Defaults.maxCredit}`)
    const ref = id * 2 + 1
    const refuse = (code: string, message: string) => {
      if (flags & OPENER_SENDS) writeStop(this.host.reserve(11), ref)
      this.sendFail(ref, code, message, EMPTY)
    }
    if (this.host.streamsRefused !== null) return refuse(ErrorCode.NotSupported, `${shape} '${name}': ${this.host.streamsRefused}`)
    if (this.theirs.size >= this.options.maxStreams) return refuse(ErrorCode.Busy, `more than ${this.options.maxStreams} streams open`)
    const reg = this.iface?.handlers.get(name)
    const def = reg?.command as unknown
    if (!reg || !isStreamDefinition(def)) return refuse(ErrorCode.UnknownCommand, `unknown ${shape} '${name}'`)
    if (def.shape !== shape) return refuse(ErrorCode.UnknownCommand, `'${name}' is a ${def.shape} here, opened as a ${shape}`)
    let args: unknown
    try {
      args = def.args.decode(argBytes)
    } catch (e) {
      return refuse(ErrorCode.BadArguments, `arguments of '${name}' do not decode: ${(e as Error).message}`)
    }
    const what = `${shape} '${name}'`
    const s = new StreamState(this as StreamTable<unknown>, id, false, def, what)
    const schemas = schemasOf(def)
    if (schemas.down) {
      s.tx = new Outflow(s, ref, schemas.down, what)
      s.tx.credit = credit
    }
    s.txOpen = true
    if (schemas.up) s.rx = new Inflow(s, schemas.up, this.options.window, what)
    else s.rxOpen = false
    this.theirs.set(id, s)
    const handler = reg.handler as unknown as (...a: never[]) => unknown
    if (this.pendingStarts) this.pendingStarts.push({ s, args, handler })
    else this.start(s, args, handler)
  }

  /** ITEM arrived. */
  onItem(ref: number, data: Uint8Array): void {
    const s = this.lookup(ref, 'ITEM')
    if (!s) return
    const rx = s.rx
    if (!rx) throw new ProtocolError(`ITEM on ${s.what} in a direction that carries none`)
    if (rx.state === 'stopped') return
    if (rx.state === 'done') throw new ProtocolError(`ITEM after the end of ${s.what}`)
    rx.onItem(data)
  }

  /** CREDIT arrived. */
  onCredit(ref: number, n: number): void {
    const s = this.lookup(ref, 'CREDIT')
    if (!s) return
    const tx = s.tx
    if (!tx) throw new ProtocolError(`CREDIT on ${s.what} in a direction that carries no items`)
    if (n === 0) throw new ProtocolError(`CREDIT of 0 items on ${s.what}`)
    if (tx.state !== 'open') return
    if (tx.credit + n > Defaults.maxCredit) throw new ProtocolError(`CREDIT raises the credit on ${s.what} to ${tx.credit + n}, more than ${Defaults.maxCredit}`)
    tx.addCredit(n)
  }

  /** END arrived. */
  onEnd(ref: number, value: Uint8Array): void {
    const s = this.lookup(ref, 'END')
    if (!s) return
    this.terminal(s, 'END', (rx) => rx.onEnd(), () => {
      const a = s.answer!
      let v: unknown
      try {
        v = a.schema.decode(value)
      } catch (e) {
        a.reject(new KiloError('kp.BadResult', `result of ${s.what} does not decode: ${(e as Error).message}`, { cause: e }))
        return
      }
      a.resolve(v)
    })
  }

  /** FAIL arrived. */
  onFail(ref: number, code: string, message: string, data: Uint8Array): void {
    const s = this.lookup(ref, 'FAIL')
    if (!s) return
    const errors = this.options.errors
    this.terminal(s, 'FAIL', (rx) => rx.onFail(wireToError(code, message, data, errors)), () => s.answer!.reject(wireToError(code, message, data, errors)))
  }

  /** END or FAIL on the direction the peer sends. */
  private terminal(s: StreamState, kind: string, onItems: (rx: Inflow<unknown>) => void, onAnswer: () => void): void {
    const rx = s.rx
    if (rx) {
      if (rx.state === 'stopped') return
      if (rx.state === 'done') throw new ProtocolError(`a second END or FAIL on ${s.what}`)
      onItems(rx)
    } else {
      if (!s.answer) throw new ProtocolError(`${kind} on ${s.what} in a direction the peer does not send`)
      if (!s.rxOpen) throw new ProtocolError(`a second END or FAIL on ${s.what}`)
      onAnswer()
    }
    s.rxOpen = false
    this.maybeRemove(s)
  }

  /** STOP arrived: the peer reads no more of what this side sends. */
  onStop(ref: number): void {
    const s = this.lookup(ref, 'STOP')
    if (!s) return
    const tx = s.tx
    if (!tx) throw new ProtocolError(`STOP on ${s.what} in a direction that carries no items`)
    if (tx.state !== 'open') return
    s.txOpen = false
    // the producer is told first, so code that awaits the signal wakes up
    s.ctx?.stopWith(new AbortedError(`${s.what}: the reader stopped it`))
    tx.stop()
    this.maybeRemove(s)
  }

  /** CANCEL arrived for `id` (it may be a call's id: then nothing happens here). */
  onCancel(id: number): void {
    const s = this.theirs.get(id)
    if (!s) return
    const error = new AbortedError(`${s.what}: the caller cancelled it`)
    s.ctx?.stopWith(error)
    s.txOpen = false
    s.rxOpen = false
    s.tx?.stop()
    s.rx?.abort(error, false)
    this.maybeRemove(s)
  }

  /** The connect hooks finished: start the handlers of streams that waited for them. */
  hooksFinished(): void {
    const pending = this.pendingStarts
    this.pendingStarts = null
    if (pending) for (const p of pending) if (this.theirs.get(p.s.id) === p.s) this.start(p.s, p.args, p.handler)
  }

  /** The session ended: every stream ends on this side, readers and producers with `ConnectionClosedError`. */
  closeAll(reason: string, cause: Error | undefined): void {
    if (this.size === 0) return
    const error = new ConnectionClosedError(reason, cause ? { cause } : undefined)
    const all = [...this.mine.values(), ...this.theirs.values()]
    this.mine.clear()
    this.theirs.clear()
    this.waiting.length = 0
    this.pendingStarts = null
    for (const s of all) {
      s.txOpen = false
      s.rxOpen = false
      if (s.onAbort) s.signal!.removeEventListener('abort', s.onAbort)
      s.ctx?.stopWith(error)
      s.tx?.stop()
      s.rx?.abort(error, true)
      s.answer?.reject(error)
    }
  }

  // ---------------------------------------------------------------- the callee's handlers

  private start(s: StreamState, args: unknown, handler: (...a: never[]) => unknown): void {
    const ctx = new IncomingCall<S>(this.host.context)
    s.ctx = ctx as IncomingCall<unknown>
    s.running = true
    const call = handler as unknown as (...a: unknown[]) => unknown
    if (s.def.shape === 'sink') {
      this.writeCredit(s, s.rx!.initialCredit())
      let r: unknown
      try {
        r = call(args, s.rx, ctx)
      } catch (e) {
        return this.answered(s, undefined, e)
      }
      if (isPromiseLike(r)) {
        r.then(
          (v) => this.answered(s, v, undefined),
          (e) => this.answered(s, undefined, e ?? new Error('rejected')),
        )
      } else this.answered(s, r, undefined)
      return
    }
    const tx = s.tx!
    try {
      if (s.rx) this.writeCredit(s, s.rx.initialCredit())
      const r = s.rx ? call(args, s.rx, ctx) : call(args, ctx)
      tx.attach(iteratorOf(r, `the handler of ${s.what}`))
    } catch (e) {
      tx.fail(e)
    }
  }

  /** A sink handler settled: STOP what it did not read, answer with END or FAIL. */
  private answered(s: StreamState, value: unknown, error: unknown): void {
    s.running = false
    if (s.rxOpen) s.rx!.stopReading()
    if (s.txOpen && !this.host.isClosed) {
      s.txOpen = false
      if (error !== undefined) {
        const w = errorToWire(error, s.def.name, this.peerLabel(), this.options.logger)
        this.sendFail(s.ref, w.code, w.message, w.data)
      } else this.sendResult(s, value)
    }
    s.txOpen = false
    this.maybeRemove(s)
  }

  private sendResult(s: StreamState, value: unknown): void {
    const name = s.def.name
    let encoded: Uint8Array
    try {
      encoded = this.host.encode(schemasOf(s.def).result!, value)
    } catch (e) {
      this.options.logger.warn?.(`result of '${name}' does not encode (peer ${this.peerLabel()}): ${(e as Error)?.stack ?? e}`)
      return this.sendFail(s.ref, ErrorCode.Internal, `result of '${name}' does not encode`, EMPTY)
    }
    const size = itemSize(s.ref, encoded.length)
    const limit = this.host.peerMaxMessage
    if (size > limit) {
      const tooLarge = new MessageTooLargeError(size, limit, `result of '${name}'`, 'return less, or raise maxMessage on the server')
      this.options.logger.warn?.(`${tooLarge.message} (peer ${this.peerLabel()})`)
      return this.sendFail(s.ref, ErrorCode.MessageTooLarge, tooLarge.message, EMPTY)
    }
    writeEnd(this.host.reserve(size), s.ref, encoded)
  }

  private sendFail(ref: number, code: string, message: string, data: Uint8Array): void {
    const text = message.length > 1000 ? message.slice(0, 1000) : message
    let m = this.host.encodeWith((w) => writeFail(w, ref, code, text, data))
    if (m.length > this.host.peerMaxMessage) m = this.host.encodeWith((w) => writeFail(w, ref, code, 'error too large to send', EMPTY))
    this.host.append(m)
  }

  // ---------------------------------------------------------------- from the flows

  /** The producer of `s` queued END (`error` null) or FAIL. */
  txEnded(s: StreamState, error: unknown): void {
    if (s.mine && error !== null) {
      // the opener's source failed (or an item was too large): the opener gives up
      return this.abandon(s, error instanceof Error ? error : new KiloError('kp.Source', `the source of ${s.what} failed: ${String(error)}`))
    }
    s.txOpen = false
    this.maybeRemove(s)
  }

  /** The producer's iterator of `s` is finished: a callee's handler is over. */
  txFinished(s: StreamState): void {
    if (s.mine) return
    s.running = false
    if (s.rxOpen) s.rx!.stopReading()
    this.maybeRemove(s)
  }

  /** CREDIT for what `s` reads. */
  writeCredit(s: StreamState, n: number): void {
    if (!this.host.isClosed) writeCredit(this.host.reserve(21), s.ref, n)
  }

  /** The reader of `s` stopped: STOP. */
  rxStopped(s: StreamState): void {
    if (!s.rxOpen) return
    s.rxOpen = false
    if (!this.host.isClosed && (!s.mine || s.sent)) writeStop(this.host.reserve(11), s.ref)
    this.maybeRemove(s)
  }

  // ---------------------------------------------------------------- internals

  /** The stream a message refers to; null when it ended (dropped); ProtocolError when it never existed. */
  private lookup(ref: number, kind: string): StreamState | null {
    const id = Math.floor(ref / 2)
    if (ref % 2 === 0) {
      // opened by the side that sent the message: the peer
      const s = this.theirs.get(id)
      if (s) return s
      if (id === 0 || id > this.lastTheirs) throw new ProtocolError(`${kind} for stream ${id}, which the peer never opened`)
      return null
    }
    const s = this.mine.get(id)
    if (s?.sent) return s
    if (id === 0 || id > this.ids.last || s) throw new ProtocolError(`${kind} for stream ${id}, which this side never opened`)
    return null
  }

  private maybeRemove(s: StreamState): void {
    if (s.txOpen || s.rxOpen || s.running) return
    this.remove(s)
  }

  private remove(s: StreamState): void {
    if (s.mine) {
      if (this.mine.get(s.id) !== s) return
      this.mine.delete(s.id)
      if (s.onAbort) s.signal!.removeEventListener('abort', s.onAbort)
      if (!s.sent) {
        const i = this.waiting.indexOf(s)
        if (i >= 0) this.waiting.splice(i, 1)
        return
      }
      this.openMine--
      while (this.waiting.length > 0 && this.openMine < this.options.maxStreams && !this.host.isClosed) this.sendOpen(this.waiting.shift()!)
      return
    }
    if (this.theirs.get(s.id) === s) this.theirs.delete(s.id)
  }
}

function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as PromiseLike<unknown>).then === 'function'
}
