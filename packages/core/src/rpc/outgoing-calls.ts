import { BipackWriter, decodeOwned } from '@kp/bipack'
import { AbortedError } from '../errors/aborted-error.js'
import { ConnectionClosedError } from '../errors/connection-closed-error.js'
import { KiloError } from '../errors/kilo-error.js'
import { MessageTooLargeError } from '../errors/message-too-large-error.js'
import { TimeoutError } from '../errors/timeout-error.js'
import { callSize } from '../protocol/message-size.js'
import { writeCall, writeCancel } from '../protocol/messages.js'
import type { ErrorRegistry } from './application-error.js'
import type { Command } from './command.js'
import type { CallOptions } from './context.js'
import { wireToError } from './error-mapping.js'
import type { IdAllocator } from './id-allocator.js'
import type { Outbox } from './outbox.js'
import { DeadlineTimer } from '../util/deadline-timer.js'

interface PendingCall {
  resolve(value: unknown): void
  reject(error: Error): void
  command: Command<unknown, unknown>
  /** `Date.now()` time the call times out at (Infinity: never), and its timeout. */
  deadline: number
  timeoutMs: number
  signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
  /** Encoded CALL message while waiting for a slot in the in-flight window. */
  queued: Uint8Array | undefined
}

/**
 * This side's calls to the peer (PROTOCOL.md 6): ids, the in-flight window and the calls
 * waiting for a slot in it, timeouts, abort wiring, and matching RESULT/ERROR to the caller.
 * @internal
 */
export class OutgoingCalls {
  private readonly pending = new Map<number, PendingCall>()
  private inFlight = 0
  private readonly waiting: number[] = []
  /** One timer for the deadlines of every call. */
  private readonly deadlines = new DeadlineTimer((now) => this.expire(now))

  constructor(
    private readonly out: Outbox,
    private readonly ids: IdAllocator,
    private readonly maxInFlight: number,
    private readonly callTimeoutMs: number,
    private readonly errors: ErrorRegistry,
  ) {}

  /** Calls waiting for an answer (sent or queued). */
  get size(): number {
    return this.pending.size
  }

  /**
   * Sends a CALL (or queues it beyond the in-flight window). `encoded` is the argument bytes,
   * valid only during this call (copied into the record at once).
   */
  start<R>(command: Command<unknown, R>, encoded: Uint8Array, options: CallOptions | undefined): Promise<R> {
    const id = this.ids.next()
    const size = callSize(id, command.name, encoded.length)
    const limit = this.out.peerMaxMessage
    if (size > limit) return Promise.reject(new MessageTooLargeError(size, limit, `call '${command.name}'`, this.out.limitHint))
    const signal = options?.signal
    if (signal?.aborted) return Promise.reject(new AbortedError(`call '${command.name}'`, { cause: signal.reason }))
    return new Promise<R>((resolve, reject) => {
      const p: PendingCall = {
        resolve: resolve as (v: unknown) => void,
        reject,
        command: command as Command<unknown, unknown>,
        deadline: Number.POSITIVE_INFINITY,
        timeoutMs: 0,
        signal,
        onAbort: undefined,
        queued: undefined,
      }
      const timeoutMs = options?.timeoutMs ?? this.callTimeoutMs
      if (timeoutMs > 0) {
        p.timeoutMs = timeoutMs
        p.deadline = Date.now() + timeoutMs
        this.deadlines.add(p.deadline, timeoutMs)
      }
      if (signal) {
        p.onAbort = () => this.abandon(id, new AbortedError(`call '${command.name}'`, { cause: signal.reason }))
        signal.addEventListener('abort', p.onAbort, { once: true })
      }
      this.pending.set(id, p)
      if (this.inFlight < this.maxInFlight) {
        this.inFlight++
        writeCall(this.out.reserve(size), id, command.name, encoded)
      } else {
        // Beyond the in-flight window calls wait here, not at the peer (which would answer kp.Busy).
        const s = new BipackWriter(size)
        writeCall(s, id, command.name, encoded)
        p.queued = s.view()
        this.waiting.push(id)
      }
    })
  }

  /** A RESULT arrived. */
  onResult(id: number, value: Uint8Array): void {
    const p = this.pending.get(id)
    if (!p || p.queued) return // late answer of an abandoned call, or an id never sent
    this.settle(id, p)
    let decoded: unknown
    try {
      decoded = decodeOwned(p.command.result, value)
    } catch (e) {
      p.reject(new KiloError('kp.BadResult', `result of '${p.command.name}' does not decode: ${(e as Error).message}`, { cause: e }))
      return
    }
    p.resolve(decoded)
  }

  /** An ERROR arrived. */
  onError(id: number, code: string, message: string, data: Uint8Array): void {
    const p = this.pending.get(id)
    if (!p || p.queued) return
    this.settle(id, p)
    p.reject(wireToError(code, message, data, this.errors))
  }

  /**
   * The session ended: every call fails with `ConnectionClosedError`, which says whether the call
   * was sent (outcome unknown) or still queued here (never sent: safe to retry).
   */
  failAll(reason: string, cause: Error | undefined): void {
    const pending = [...this.pending.values()]
    this.pending.clear()
    this.waiting.length = 0
    let sent: ConnectionClosedError | undefined
    let queued: ConnectionClosedError | undefined
    this.deadlines.stop()
    for (const p of pending) {
      if (p.onAbort) p.signal!.removeEventListener('abort', p.onAbort)
      if (p.queued) p.reject((queued ??= new ConnectionClosedError(reason, { cause, outcome: 'not-sent' })))
      else p.reject((sent ??= new ConnectionClosedError(reason, { cause, outcome: 'unknown' })))
    }
  }

  /** The caller stopped waiting: fail locally, tell the callee (CANCEL), free the slot. */
  private abandon(id: number, error: Error): void {
    const p = this.pending.get(id)
    if (!p) return
    this.settle(id, p)
    if (p.queued) {
      const i = this.waiting.indexOf(id)
      if (i >= 0) this.waiting.splice(i, 1)
    } else if (!this.out.isClosed) {
      writeCancel(this.out.reserve(11), id)
    }
    p.reject(error)
  }

  /** The deadline timer fired: calls due now time out; returns the earliest deadline left. */
  private expire(now: number): number {
    let next = Number.POSITIVE_INFINITY
    for (const [id, p] of this.pending) {
      if (p.deadline <= now) this.abandon(id, new TimeoutError(`call '${p.command.name}'`, p.timeoutMs))
      else if (p.deadline < next) next = p.deadline
    }
    return next
  }

  /** Removes a pending call and releases its timer, listener and window slot. */
  private settle(id: number, p: PendingCall): void {
    this.pending.delete(id)
    if (this.pending.size === 0) this.deadlines.idle()
    if (p.onAbort) p.signal!.removeEventListener('abort', p.onAbort)
    if (!p.queued) {
      this.inFlight--
      this.releaseWaiting()
    }
  }

  private releaseWaiting(): void {
    while (this.waiting.length > 0 && this.inFlight < this.maxInFlight && !this.out.isClosed) {
      const id = this.waiting.shift()!
      const p = this.pending.get(id)
      if (!p?.queued) continue
      const bytes = p.queued
      p.queued = undefined
      this.inFlight++
      this.out.append(bytes)
    }
  }
}
