import { BipackWriter, bytes as bytesSchema, type Schema, smartintSize } from '@kp/bipack'
import { MessageTooLargeError } from '../errors/message-too-large-error.js'
import type { ScheduledSource } from '../link/item-scheduler.js'
import { Defaults } from '../protocol/constants.js'
import { bytesItemSize, itemSize } from '../protocol/message-size.js'
import { writeBytesItem, writeEnd, writeFail, writeItem } from '../protocol/messages.js'
import type { AnyIterator } from './sources.js'

const EMPTY: Uint8Array = new Uint8Array(0)

/** What an {@link Outflow} asks of its stream table. @internal */
export interface OutflowHost {
  /** Largest message the peer accepts. */
  readonly peerMaxMessage: number
  /** Advice for `MessageTooLargeError`. */
  readonly limitHint: string | undefined
  /** Encodes into the session's scratch writer; valid until the next encode. */
  encode<T>(schema: Schema<T>, value: T): Uint8Array
  /** Puts the outflow in the write path's round-robin (it has messages queued). */
  schedule(o: ScheduledSource): void
  /** The producer ended the direction: END queued (`error` null) or it failed with `error`. */
  ended(o: Outflow<unknown>, error: unknown): void
  /** The producer's iterator is finished (done, thrown, or returned after a stop). */
  finished(o: Outflow<unknown>): void
  /** The fields of a FAIL for what the producer threw. */
  failFields(error: unknown): { code: string; message: string; data: Uint8Array }
  /** The iterator's `return()` failed: report it (nobody else will). */
  report(error: unknown): void
}

/**
 * The sending end of one stream direction (PROTOCOL.md 14): pulls items from an iterator only
 * while it holds credit and while less than `Defaults.streamQueueBytes` wait to be written,
 * encodes them as ITEM messages, and hands them to the write path's scheduler, which adds them
 * to records after every other message. END or FAIL follow the items in order. @internal
 */
export class Outflow<T> implements ScheduledSource {
  /** Items the peer lets this side send. */
  credit = 0
  /** `open`; `done` once END or FAIL is queued; `stopped` once STOP arrived or this side gave up. */
  state: 'open' | 'done' | 'stopped' = 'open'
  /** In the scheduler's round-robin. */
  scheduled = false
  private it: AnyIterator<T> | null = null
  private pumping = false
  private iteratorOver = false
  private finishedReported = false
  /** Encoded messages waiting for the write path, back to back; `bounds` holds their ends. */
  private staging: BipackWriter | null = null
  private bounds: number[] = []
  /** The rest of a byte item too large for one message, cut into several (PROTOCOL.md 14). */
  private carry: Uint8Array | null = null
  private readonly cuttable: boolean

  constructor(
    private readonly host: OutflowHost,
    /** The stream reference this side writes. */
    readonly ref: number,
    private readonly schema: Schema<T>,
    /** For messages: `stream 'ticks'`. */
    readonly what: string,
  ) {
    this.cuttable = schema === (bytesSchema as Schema<unknown>)
  }

  /** Bytes waiting to be written. */
  get queued(): number {
    return this.staging === null ? 0 : this.staging.length
  }

  /** Size of the first message waiting. */
  get firstSize(): number {
    return this.bounds.length === 0 ? 0 : this.bounds[0]!
  }

  /** Starts pulling from the producer (once). */
  attach(it: AnyIterator<T>): void {
    this.it = it
    if (this.state !== 'open') this.closeIterator()
    else this.kick()
  }

  /** CREDIT arrived (the table checked the bound). */
  addCredit(n: number): void {
    this.credit += n
    this.kick()
  }

  /** STOP arrived, or this side gives up: drop what waits, finish the producer (its `finally` runs). */
  stop(): void {
    if (this.state === 'stopped') return
    this.state = 'stopped'
    this.staging?.reset()
    this.bounds.length = 0
    this.carry = null
    this.closeIterator()
  }

  /** The producer failed before it started (the handler threw): FAIL. */
  fail(error: unknown): void {
    this.failWith(error)
  }

  // ---------------------------------------------------------------- the write path

  /**
   * Writes whole waiting messages into `w`: all of them when they fit in `max` bytes, else as
   * many as fit (at least one). Returns the bytes written.
   */
  writeInto(w: BipackWriter, max: number): number {
    const s = this.staging
    if (s === null || s.length === 0) return 0
    const total = s.length
    let n = total
    if (total <= max) {
      w.fixed(s.view())
      s.reset()
      this.bounds.length = 0
      // a large item grew the queue: let it go rather than keep its size for the stream's life
      if (s.capacity > 4 * Defaults.streamQueueBytes) this.staging = null
    } else {
      const b = this.bounds
      let k = 0
      while (k + 1 < b.length && b[k + 1]! <= max) k++
      n = b[k]!
      const view = s.view()
      w.fixed(view.subarray(0, n))
      const rest = view.slice(n)
      s.reset()
      s.fixed(rest)
      this.bounds = b.slice(k + 1).map((e) => e - n)
    }
    this.kick()
    return n
  }

  // ---------------------------------------------------------------- the producer

  private kick(): void {
    if (this.pumping || this.state !== 'open' || this.it === null) return
    if (this.credit <= 0 || this.queued >= Defaults.streamQueueBytes) return
    this.pumping = true
    this.pump().then(this.pumped, this.pumpFailed)
  }

  private readonly pumped = (): void => {
    this.pumping = false
    this.kick()
  }

  private readonly pumpFailed = (e: unknown): void => {
    this.pumping = false
    this.failWith(e)
  }

  private async pump(): Promise<void> {
    while (this.state === 'open' && this.credit > 0 && this.queued < Defaults.streamQueueBytes) {
      if (this.carry !== null) {
        this.queuePiece()
        continue
      }
      const it = this.it
      if (it === null) return
      let r: IteratorResult<T>
      try {
        r = await it.next()
      } catch (e) {
        this.iteratorOver = true
        this.failWith(e)
        return
      }
      if (this.state !== 'open') return // stopped meanwhile: stop() already finished the iterator
      if (r.done) {
        this.iteratorOver = true
        this.endWith()
        return
      }
      this.queueItem(r.value)
    }
  }

  private queueItem(value: T): void {
    if (this.cuttable && value instanceof Uint8Array) return this.queueBytes(value)
    let encoded: Uint8Array
    try {
      encoded = this.host.encode(this.schema, value)
    } catch (e) {
      return this.failWith(e)
    }
    const size = itemSize(this.ref, encoded.length)
    const limit = this.host.peerMaxMessage
    if (size > limit) {
      return this.failWith(
        new MessageTooLargeError(size, limit, `an item of ${this.what}`, this.host.limitHint ?? 'send smaller items, or raise maxMessage on the server'),
      )
    }
    this.append((w) => writeItem(w, this.ref, encoded))
    this.credit--
  }

  /** A `bytes` item, written straight into the queue (no encoding apart). */
  private queueBytes(value: Uint8Array): void {
    if (bytesItemSize(this.ref, value.length) > this.host.peerMaxMessage) {
      // byte streams have no item boundaries to keep: cut them into items that fit (rule 4)
      this.carry = value
      return this.queuePiece()
    }
    this.append((w) => writeBytesItem(w, this.ref, value))
    this.credit--
  }

  /** Queues the next piece of a byte item that is larger than one message. */
  private queuePiece(): void {
    const carry = this.carry!
    // ITEM = kind, ref, bytes(bytes(piece)): two lengths of at most 9 bytes each
    const room = this.host.peerMaxMessage - 1 - smartintSize(this.ref) - 18
    const piece = carry.length <= room ? carry : carry.subarray(0, room)
    this.carry = carry.length <= room ? null : carry.subarray(room)
    this.append((w) => writeBytesItem(w, this.ref, piece))
    this.credit--
  }

  private endWith(): void {
    if (this.state !== 'open') return
    this.state = 'done'
    this.append((w) => writeEnd(w, this.ref, EMPTY))
    this.host.ended(this as Outflow<unknown>, null)
    this.reportFinished()
  }

  private failWith(error: unknown): void {
    if (this.state !== 'open') return
    this.state = 'done'
    this.carry = null
    const f = this.host.failFields(error)
    this.append((w) => writeFail(w, this.ref, f.code, f.message, f.data))
    this.closeIterator()
    this.host.ended(this as Outflow<unknown>, error)
  }

  private append(write: (w: BipackWriter) => void): void {
    const s = (this.staging ??= new BipackWriter(1024))
    write(s)
    this.bounds.push(s.length)
    if (!this.scheduled) this.host.schedule(this)
  }

  /** Finishes the producer's iterator (its `finally` runs) unless it is over already. */
  private closeIterator(): void {
    const it = this.it
    if (it === null) return
    if (this.iteratorOver || typeof it.return !== 'function') {
      this.iteratorOver = true
      return this.reportFinished()
    }
    this.iteratorOver = true
    let r: unknown
    try {
      r = it.return()
    } catch (e) {
      this.host.report(e)
      return this.reportFinished()
    }
    if (r !== null && typeof r === 'object' && typeof (r as PromiseLike<unknown>).then === 'function') {
      ;(r as PromiseLike<unknown>).then(
        () => this.reportFinished(),
        (e) => {
          this.host.report(e)
          this.reportFinished()
        },
      )
    } else this.reportFinished()
  }

  private reportFinished(): void {
    if (this.finishedReported) return
    this.finishedReported = true
    this.it = null
    this.host.finished(this as Outflow<unknown>)
  }
}
