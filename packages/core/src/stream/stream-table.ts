import { decodeOwned } from '@kp/bipack'
import { AbortedError } from '../errors/aborted-error.js'
import { ConnectionClosedError } from '../errors/connection-closed-error.js'
import { KiloError } from '../errors/kilo-error.js'
import { MessageTooLargeError } from '../errors/message-too-large-error.js'
import { NotSupportedError } from '../errors/not-supported-error.js'
import { ProtocolError } from '../errors/protocol-error.js'
import { Defaults, ErrorCode } from '../protocol/constants.js'
import { openSize } from '../protocol/message-size.js'
import { writeCancel, writeCredit, writeOpen, writeStop } from '../protocol/messages.js'
import { wireToError } from '../rpc/error-mapping.js'
import type { IdAllocator } from '../rpc/id-allocator.js'
import type { KiloInterface } from '../rpc/kilo-interface.js'
import { type AnyStreamDefinition, flagsOf, isStreamDefinition, schemasOf } from './definitions.js'
import { Inflow } from './inflow.js'
import type { SessionStreams } from './no-streams.js'
import { checkEnded, checkOpen, refuseOpen } from './open-rules.js'
import { Outflow } from './outflow.js'
import type { AnyIterator } from './sources.js'
import type { StreamHost, StreamTableOptions } from './stream-host.js'
import { startHandler } from './stream-callee.js'
import { type StreamOwner, StreamState } from './stream-state.js'

export type { StreamHost, StreamTableOptions } from './stream-host.js'
export { StreamState } from './stream-state.js'

/** The empty stream map every table starts with; it refuses to grow (a table makes its own first). */
class NoStreams extends Map<number, StreamState> {
  override set(): never {
    throw new Error('internal: a stream added to the shared empty map')
  }
}
const NO_STREAMS: Map<number, StreamState> = new NoStreams()

/**
 * The streams of one session, both the ones this side opened and the peer's (PROTOCOL.md 14):
 * opening, the stream messages of the peer, handlers, limits, and the end of every stream when
 * the session ends. Ids come from the session's one {@link IdAllocator}, shared with calls.
 * A hostile message throws `ProtocolError` (the link closes); nothing here ends the process.
 * @internal
 */
export class StreamTable<S> implements StreamOwner, SessionStreams {
  // both start as the shared empty map: most sessions never open a stream (an empty Map costs ~190 bytes)
  private mine: Map<number, StreamState> = NO_STREAMS
  private theirs: Map<number, StreamState> = NO_STREAMS
  /** Our streams waiting for a slot (beyond `maxStreams`). */
  private readonly waiting: StreamState[] = []
  private openMine = 0
  /** The highest id the peer opened a stream with: ids must grow. */
  lastTheirs: number
  /** Peer streams accepted before the connect hooks finished: started then. */
  private pendingStarts: { s: StreamState; args: unknown; handler: (...a: never[]) => unknown }[] | null

  /** `from`: the session's streams so far (a table made once stream code loaded takes over its {@link NoStreams}). */
  constructor(
    readonly host: StreamHost<S>,
    private readonly iface: KiloInterface<S> | undefined,
    private readonly ids: IdAllocator,
    readonly options: StreamTableOptions,
    from?: { readonly lastTheirs: number; readonly started: boolean },
  ) {
    this.lastTheirs = from?.lastTheirs ?? 0
    this.pendingStarts = from?.started ? null : []
  }

  /** The connect hooks have finished. */
  get started(): boolean {
    return this.pendingStarts === null
  }

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
    if (this.mine === NO_STREAMS) this.mine = new Map()
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
    const shape = checkOpen(id, this.lastTheirs, flags, name, credit)
    this.lastTheirs = id
    const ref = id * 2 + 1
    const refuse = (code: string, message: string) => refuseOpen(this.host, id, flags, code, message)
    if (this.host.streamsRefused !== null) return refuse(ErrorCode.NotSupported, `${shape} '${name}': ${this.host.streamsRefused}`)
    if (this.theirs.size >= this.options.maxStreams) return refuse(ErrorCode.Busy, `more than ${this.options.maxStreams} streams open`)
    const reg = this.iface?.handlers.get(name)
    const def = reg?.command as unknown
    if (!reg || !isStreamDefinition(def)) return refuse(ErrorCode.UnknownCommand, `unknown ${shape} '${name}'`)
    if (def.shape !== shape) return refuse(ErrorCode.UnknownCommand, `'${name}' is a ${def.shape} here, opened as a ${shape}`)
    let args: unknown
    try {
      args = decodeOwned(def.args, argBytes)
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
    if (this.theirs === NO_STREAMS) this.theirs = new Map()
    this.theirs.set(id, s)
    const handler = reg.handler as unknown as (...a: never[]) => unknown
    if (this.pendingStarts) this.pendingStarts.push({ s, args, handler })
    else startHandler(this, s, args, handler)
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
    if (tx.credit + n > Defaults.maxCredit)
      throw new ProtocolError(`CREDIT raises the credit on ${s.what} to ${tx.credit + n}, more than ${Defaults.maxCredit}`)
    tx.addCredit(n)
  }

  /** END arrived. */
  onEnd(ref: number, value: Uint8Array): void {
    const s = this.lookup(ref, 'END')
    if (!s) return
    this.terminal(
      s,
      'END',
      (rx) => rx.onEnd(),
      () => {
        const a = s.answer!
        let v: unknown
        try {
          v = a.schema.decode(value)
        } catch (e) {
          a.reject(new KiloError('kp.BadResult', `result of ${s.what} does not decode: ${(e as Error).message}`, { cause: e }))
          return
        }
        a.resolve(v)
      },
    )
  }

  /** FAIL arrived. */
  onFail(ref: number, code: string, message: string, data: Uint8Array): void {
    const s = this.lookup(ref, 'FAIL')
    if (!s) return
    const errors = this.options.errors
    this.terminal(
      s,
      'FAIL',
      (rx) => rx.onFail(wireToError(code, message, data, errors)),
      () => s.answer!.reject(wireToError(code, message, data, errors)),
    )
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
    if (pending) for (const p of pending) if (this.theirs.get(p.s.id) === p.s) startHandler(this, p.s, p.args, p.handler)
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
    // an even ref: opened by the side that sent the message, the peer
    const s = ref % 2 === 0 ? this.theirs.get(id) : this.mine.get(id)
    if (s && (s.sent || !s.mine)) return s
    if (s) throw new ProtocolError(`${kind} for stream ${id}, which this side never opened`)
    checkEnded(ref, kind, this.lastTheirs, this.ids.last)
    return null
  }

  /** Forgets `s` once both directions ended and its handler finished. */
  maybeRemove(s: StreamState): void {
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
