import { BipackReader, bytes as bytesSchema, decodeOwned, type Schema } from '@kp/bipack'
import { KiloError } from '../errors/kilo-error.js'
import { ProtocolError } from '../errors/protocol-error.js'
import { Defaults } from '../protocol/constants.js'

/** What an {@link Inflow} asks of its stream table. @internal */
export interface InflowHost {
  /** Sends CREDIT for `n` more items. */
  grant(n: number): void
  /** The reader wants no more: send STOP and end the direction on this side. */
  stopped(): void
}

interface Waiter<T> {
  resolve(r: IteratorResult<T>): void
  reject(e: unknown): void
}

const DONE: IteratorResult<never> = Object.freeze({ done: true, value: undefined }) as IteratorResult<never>

/**
 * The reading end of one stream direction (PROTOCOL.md 14): items that arrived and are not yet
 * read, the credit granted for more, and the async iterator the application reads with.
 *
 * Credit is granted as the application reads, never as items arrive, so a slow reader holds a
 * bounded buffer: at most `window` items, and credit stops once the bytes held and expected
 * (at the average item size seen so far) reach `Defaults.streamBufferBytes`. @internal
 */
export class Inflow<T> implements AsyncIterableIterator<T> {
  /** Credit granted and not yet used by an ITEM. */
  outstanding = 0
  /**
   * The direction as the protocol sees it: `open`; `done` once the sender ended it (END or
   * FAIL); `stopped` once this side ended it (STOP sent, cancelled, connection lost): whatever
   * the peer sent before learning so is dropped.
   */
  state: 'open' | 'done' | 'stopped' = 'open'
  private items: T[] = []
  private sizes: number[] = []
  private head = 0
  private bytes = 0
  private avg = 0
  /** What the reader sees once the items are read: the end, or an error. */
  private terminal: { error: Error | null } | null = null
  private waiters: Waiter<T>[] = []
  /** The reader saw the end, or stopped reading. */
  private finished = false
  /** `bytes` items: large ones are handed out as views of the record they came in (no copy). */
  private readonly byteItems: boolean

  constructor(
    private readonly host: InflowHost,
    private readonly schema: Schema<T>,
    private readonly window: number,
    /** For messages: `stream 'ticks'`. */
    readonly what: string,
  ) {
    this.byteItems = schema === (bytesSchema as Schema<unknown>)
  }

  /** Items buffered and not yet read. */
  get bufferedItems(): number {
    return this.items.length - this.head
  }

  /** Bytes of the items buffered (their encoded size). */
  get bufferedBytes(): number {
    return this.bytes
  }

  /** The first credit, before any item was seen (in OPEN, or the callee's first CREDIT). */
  initialCredit(): number {
    const n = Math.min(this.window, Defaults.streamInitialCredit)
    this.outstanding += n
    return n
  }

  // ---------------------------------------------------------------- from the peer

  /** An ITEM arrived (the table checked the direction is open). Throws `ProtocolError` beyond the credit. */
  onItem(data: Uint8Array): void {
    if (this.outstanding <= 0) throw new ProtocolError(`ITEM beyond the credit granted on ${this.what}`)
    this.outstanding--
    const size = data.length
    this.avg = this.avg === 0 ? Math.max(1, size) : (this.avg * 7 + Math.max(1, size)) / 8
    let value: T
    try {
      value = this.byteItems ? (bytesItem(data) as T) : decodeOwned(this.schema, data)
    } catch (e) {
      // this side cannot read the stream any further: stop it, and tell the reader why
      this.stopWith(new KiloError('kp.BadItem', `an item of ${this.what} does not decode: ${(e as Error).message}`, { cause: e }))
      return
    }
    const w = this.waiters.shift()
    if (w) {
      w.resolve({ value, done: false })
      this.pulled()
      return
    }
    this.items.push(value)
    this.sizes.push(size)
    this.bytes += size
  }

  /** END arrived: the reader sees the end after the items before it. */
  onEnd(): void {
    this.state = 'done'
    this.setTerminal(null)
  }

  /** FAIL arrived: the reader sees `error` after the items before it. */
  onFail(error: Error): void {
    this.state = 'done'
    this.setTerminal(error)
  }

  /**
   * This side ends the direction without STOP (cancel, abort, lost connection): the reader sees
   * `error`, after the buffered items when `keepItems`, else at once.
   */
  abort(error: Error, keepItems: boolean): void {
    if (this.state === 'open') this.state = 'stopped'
    if (!keepItems) this.clear()
    if (!this.terminal) this.setTerminal(error)
  }

  // ---------------------------------------------------------------- the reader

  [Symbol.asyncIterator](): this {
    return this
  }

  next(): Promise<IteratorResult<T>> {
    if (this.head < this.items.length) {
      const value = this.take()
      this.pulled()
      return Promise.resolve({ value, done: false })
    }
    if (this.terminal && this.waiters.length === 0) return this.settle(this.terminal)
    if (this.finished) return Promise.resolve(DONE)
    return new Promise<IteratorResult<T>>((resolve, reject) => {
      this.waiters.push({ resolve, reject })
    })
  }

  /** The reader stops (`break`, `reader.cancel()`): STOP if the direction is still open. */
  return(): Promise<IteratorResult<T>> {
    this.stopReading()
    return Promise.resolve(DONE)
  }

  /** {@link return} without a promise: the reader (or its handler) is done with this direction. */
  stopReading(): void {
    this.finished = true
    this.clear()
    if (this.state === 'open') {
      this.state = 'stopped'
      this.host.stopped()
    }
    for (const w of this.waiters.splice(0)) w.resolve(DONE)
  }

  // ---------------------------------------------------------------- internals

  private take(): T {
    const i = this.head++
    const value = this.items[i]!
    this.bytes -= this.sizes[i]!
    this.items[i] = undefined as T
    if (this.head === this.items.length) {
      this.items.length = 0
      this.sizes.length = 0
      this.head = 0
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head)
      this.sizes = this.sizes.slice(this.head)
      this.head = 0
    }
    return value
  }

  private clear(): void {
    this.items.length = 0
    this.sizes.length = 0
    this.head = 0
    this.bytes = 0
  }

  private stopWith(error: Error): void {
    if (this.state === 'open') {
      this.state = 'stopped'
      this.host.stopped()
    }
    this.setTerminal(error)
  }

  private setTerminal(error: Error | null): void {
    this.terminal = { error }
    if (this.head === this.items.length && this.waiters.length > 0) {
      const ws = this.waiters.splice(0)
      this.finished = true
      for (const w of ws) {
        if (error) w.reject(error)
        else w.resolve(DONE)
      }
    }
  }

  private settle(t: { error: Error | null }): Promise<IteratorResult<T>> {
    if (this.finished) return Promise.resolve(DONE)
    this.finished = true
    return t.error ? Promise.reject(t.error) : Promise.resolve(DONE)
  }

  /**
   * The reader took an item: grant more credit, in batches of half the window, keeping
   * the items held and expected within the window and the byte estimate.
   */
  private pulled(): void {
    if (this.state !== 'open') return
    const held = this.items.length - this.head + this.outstanding
    let limit = this.window
    let n = limit - held
    if (this.avg > 0) {
      limit = Math.min(limit, Math.max(1, Math.floor(Defaults.streamBufferBytes / this.avg)))
      n = Math.min(n, Math.floor((Defaults.streamBufferBytes - this.bytes - this.outstanding * this.avg) / this.avg))
    }
    if (held === 0) n = Math.max(n, 1)
    if (n <= 0 || (held > 0 && n < Math.max(1, limit >> 1))) return
    this.outstanding += n
    this.host.grant(n)
  }
}

/**
 * Decodes a `bytes` item. An item that is at least a quarter of the buffer it arrived in is a
 * view of it (the record's plaintext belongs to this session and is never reused): no copy, and
 * at most 4 times the item's bytes kept alive. Smaller ones are copied, so a few small items
 * never pin large records, and so are items in buffers of 8 KiB or less (Node's shared pool).
 */
function bytesItem(data: Uint8Array): Uint8Array {
  const r = new BipackReader(data)
  const n = r.unsigned()
  if (n !== r.remaining) throw new RangeError(`bytes item of ${n} bytes in ${r.remaining}`)
  const start = data.length - n
  const whole = data.buffer.byteLength
  return whole > 8192 && n * 4 >= whole ? data.subarray(start) : data.slice(start)
}
