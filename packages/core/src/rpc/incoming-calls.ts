import { decodeOwned, type Schema } from '@kp/bipack'
import { AbortedError } from '../errors/aborted-error.js'
import { ConnectionClosedError } from '../errors/connection-closed-error.js'
import { MessageTooLargeError } from '../errors/message-too-large-error.js'
import { ProtocolError } from '../errors/protocol-error.js'
import { Defaults, ErrorCode } from '../protocol/constants.js'
import { resultSize } from '../protocol/message-size.js'
import { writeResult } from '../protocol/messages.js'
import { isStreamDefinition } from '../stream/definitions.js'
import { isPromiseLike } from '../util/is-promise-like.js'
import type { Logger } from '../util/logger.js'
import { IncomingCall } from './call-context.js'
import type { Command } from './command.js'
import type { SessionContext } from './context.js'
import { clip, errorToWire } from './error-mapping.js'
import { InboundBacklog } from './inbound-backlog.js'
import type { KiloInterface } from './kilo-interface.js'
import type { SessionIncoming } from './no-incoming-calls.js'
import { type ErrorOutbox, sendCallError } from './send-error.js'

const EMPTY: Uint8Array = new Uint8Array(0)

/** What the incoming calls table needs from its session. @internal */
export interface IncomingHost<S> extends ErrorOutbox {
  /** The context handlers see (the session). */
  readonly context: SessionContext<S> & { readonly isClosed: boolean; readonly closeReason: string }
  /** Encodes into the session's scratch writer; the view is valid until the next encode. */
  encode<T>(schema: Schema<T>, value: T): Uint8Array
  /** A hostile message found outside a frame handler: end the session with it. */
  protocolError(e: Error): void
}

/**
 * The peer's calls and pushes to this side (PROTOCOL.md 6): handlers running, CANCEL, results
 * and errors, the in-flight limit, and the backlog where calls and pushes wait for the connect
 * hooks (and pushes for a slot). Handles its own failures: a hostile message ends at most the
 * session, never the process. @internal
 */
export class IncomingCalls<S> implements SessionIncoming {
  private readonly running = new Map<number, IncomingCall<S>>()
  /** Contexts of push handlers still running: their signals abort when the session ends (made on first use). */
  private pushContexts: Set<IncomingCall<S>> | null = null
  /** Push handlers still running (their promises not settled): counted with incoming calls. */
  private runningPushes = 0
  private readonly backlog: InboundBacklog
  private hooksDone = false

  constructor(
    private readonly host: IncomingHost<S>,
    private readonly iface: KiloInterface<S> | undefined,
    private readonly maxInFlight: number,
    receiveLimit: number,
    private readonly logger: Logger,
  ) {
    // memory is bounded by bytes; the count leaves room for a burst of small pushes
    this.backlog = new InboundBacklog(4 * maxInFlight, Math.max(Defaults.backlogBytes, 2 * receiveLimit))
  }

  /** Calls whose handler has not finished. */
  get size(): number {
    return this.running.size
  }

  /** A CALL arrived. Throws `ProtocolError` for a reused id. */
  call(id: number, name: string, args: Uint8Array): void {
    // before the connect hooks finish, in order behind what already waits; after, a call never
    // waits behind pushes that wait for a slot (it runs, or is answered kp.Busy, at once)
    if (!this.hooksDone) {
      // a call has an answer to refuse it with: past the backlog's bounds it is kp.Busy
      if (!this.backlog.fits(name, args)) return this.sendError(id, ErrorCode.Busy, `more than ${this.maxInFlight} calls waiting`, EMPTY)
      return this.backlog.add(id, name, args, 'calls and pushes')
    }
    this.onCall(id, name, args)
  }

  /** A PUSH arrived. */
  push(name: string, args: Uint8Array): void {
    // a push has no answer to refuse it with: beyond the in-flight limit it waits (bounded)
    if (!this.hooksDone || this.backlog.size > 0 || this.running.size + this.runningPushes >= this.maxInFlight) {
      return this.backlog.add(-1, name, args, 'calls and pushes (the handlers do not keep up)')
    }
    this.onPush(name, args)
  }

  /** A CANCEL arrived: abort that handler's signal; no answer will be sent. */
  cancel(id: number): void {
    const c = this.running.get(id)
    if (c && !c.cancelled) {
      c.cancelled = true
      c.abort(new AbortedError('call cancelled by the caller'))
    }
  }

  /** The connect hooks finished: start what waited. */
  hooksFinished(): void {
    this.hooksDone = true
    this.drainBacklog()
  }

  /** True once the connect hooks ran (the disconnect hooks run only then). */
  get ready(): boolean {
    return this.hooksDone
  }

  /** The session ended: abort every running handler with `error` (null when none runs). */
  abortAll(error: Error | null): void {
    if (error) for (const c of this.running.values()) c.abort(error)
    if (this.pushContexts !== null) {
      for (const c of this.pushContexts) c.abort(error ?? new ConnectionClosedError(this.host.context.closeReason))
      this.pushContexts.clear()
    }
    this.running.clear()
    this.backlog.clear()
  }

  /**
   * Starts what waits in the backlog, in order, while the in-flight limit allows (calls beyond
   * it are answered kp.Busy). Runs outside the frame handler, so it catches for itself.
   */
  private drainBacklog(): void {
    try {
      for (let w = this.backlog.peek(); w && this.hooksDone && !this.host.isClosed; w = this.backlog.peek()) {
        if (w.id < 0 && this.running.size + this.runningPushes >= this.maxInFlight) {
          // pushes wait for a slot; the calls behind them do not (they run or get kp.Busy)
          for (const c of this.backlog.takeCalls()) this.onCall(c.id, c.name, c.args)
          return
        }
        this.backlog.shift()
        if (w.id < 0) this.onPush(w.name, w.args)
        else this.onCall(w.id, w.name, w.args)
      }
    } catch (e) {
      this.host.protocolError(e as Error)
    }
  }

  private readonly drainNow = () => this.drainBacklog()

  private onCall(id: number, name: string, argBytes: Uint8Array): void {
    if (this.running.has(id)) throw new ProtocolError(`call id ${id} reused while in flight`)
    if (this.running.size >= this.maxInFlight) {
      return this.sendError(id, ErrorCode.Busy, `more than ${this.maxInFlight} calls in flight`, EMPTY)
    }
    const reg = this.iface?.handlers.get(name)
    if (!reg) return this.sendError(id, ErrorCode.UnknownCommand, `unknown command '${clip(name, 255)}'`, EMPTY)
    if (isStreamDefinition(reg.command)) return this.sendError(id, ErrorCode.UnknownCommand, `'${name}' is a ${reg.command.shape}, not a command`, EMPTY)
    let args: unknown
    try {
      args = decodeOwned(reg.command.args, argBytes)
    } catch (e) {
      return this.sendError(id, ErrorCode.BadArguments, `arguments of '${name}' do not decode: ${(e as Error).message}`, EMPTY)
    }
    const call = new IncomingCall<S>(this.host.context)
    this.running.set(id, call)
    let result: unknown
    try {
      result = reg.handler(args, call)
    } catch (e) {
      this.finish(id, call, name, reg.command, undefined, e)
      return
    }
    if (isPromiseLike(result)) {
      result.then(
        (v) => this.finish(id, call, name, reg.command, v, undefined),
        (e) => this.finish(id, call, name, reg.command, undefined, e ?? new Error('rejected')),
      )
    } else this.finish(id, call, name, reg.command, result, undefined)
  }

  private finish(id: number, call: IncomingCall<S>, name: string, command: Command<unknown, unknown>, value: unknown, error: unknown): void {
    this.running.delete(id)
    if (call.cancelled || this.host.isClosed) return
    if (this.backlog.size > 0) queueMicrotask(this.drainNow)
    if (error !== undefined) {
      const w = errorToWire(error, name, this.peerLabel(), this.logger)
      return this.sendError(id, w.code, w.message, w.data)
    }
    let encoded: Uint8Array
    try {
      encoded = this.host.encode(command.result, value)
    } catch (e) {
      this.logger.warn?.(`result of '${name}' does not encode (peer ${this.peerLabel()}): ${(e as Error)?.stack ?? e}`)
      return this.sendError(id, ErrorCode.Internal, `result of '${name}' does not encode`, EMPTY)
    }
    const size = resultSize(id, encoded.length)
    const limit = this.host.peerMaxMessage
    if (size > limit) {
      const tooLarge = new MessageTooLargeError(size, limit, `result of '${name}'`, 'return less per call, or raise maxMessage on the server')
      this.logger.warn?.(`${tooLarge.message} (peer ${this.peerLabel()})`)
      return this.sendError(id, ErrorCode.MessageTooLarge, tooLarge.message, EMPTY)
    }
    writeResult(this.host.reserve(size), id, encoded)
  }

  /** The peer, for log lines: its address and, when it proved one, its id. */
  private peerLabel(): string {
    const ctx = this.host.context
    return ctx.remoteId ? `${ctx.remoteAddress}, id ${ctx.remoteId.toString()}` : ctx.remoteAddress
  }

  private sendError(id: number, code: string, message: string, data: Uint8Array): void {
    sendCallError(this.host, id, code, message, data)
  }

  private onPush(name: string, argBytes: Uint8Array): void {
    const reg = this.iface?.handlers.get(name)
    if (!reg || isStreamDefinition(reg.command)) {
      this.logger.debug?.(`push of unknown command '${clip(name, 64)}' ignored`)
      return
    }
    let args: unknown
    try {
      args = decodeOwned(reg.command.args, argBytes)
    } catch (e) {
      this.logger.debug?.(`push '${name}' arguments do not decode: ${(e as Error).message}`)
      return
    }
    const call = new IncomingCall<S>(this.host.context)
    const report = (e: unknown) => {
      // a handler that ends because the session ended (its signal aborted) is no failure
      const log = this.host.isClosed || call.cancelled ? this.logger.debug : this.logger.warn
      log?.(`push handler of '${name}' failed (peer ${this.peerLabel()}): ${(e as Error)?.stack ?? e}`)
    }
    try {
      const r = reg.handler(args, call)
      if (isPromiseLike(r)) {
        this.runningPushes++
        ;(this.pushContexts ??= new Set()).add(call)
        r.then(
          () => this.pushDone(call),
          (e) => {
            report(e)
            this.pushDone(call)
          },
        )
      }
    } catch (e) {
      report(e)
    }
  }

  private pushDone(call: IncomingCall<S>): void {
    this.pushContexts?.delete(call)
    this.runningPushes--
    if (this.backlog.size > 0 && !this.host.isClosed) this.drainBacklog()
  }
}
