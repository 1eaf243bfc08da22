import type { Inflow } from './inflow.js'

const DONE: IteratorResult<never> = Object.freeze({ done: true, value: undefined }) as IteratorResult<never>

/**
 * The items of a stream (or of a channel's callee) as the caller reads them: an AsyncIterable
 * read once with `for await`, or a pull-based WHATWG ReadableStream through `readable`. The
 * stream opens on the first read. Reading grants the sender credit, so a slow reader holds a
 * bounded buffer; `break` (or `readable.cancel()`) stops the sender at once.
 * @example
 * for await (const t of peer.stream(ticks, 100, { credit: 64 })) { if (t > 10n) break }
 * await peer.stream(ticks, 100).readable.pipeTo(writable)
 */
export class RemoteStream<T> implements AsyncIterableIterator<T> {
  private inflow: Inflow<T> | null = null
  private opening: Promise<Inflow<T>> | null = null
  private iterated = false
  private stopped = false

  /** @internal use `peer.stream()` or `peer.channel()` */
  constructor(private readonly opener: () => Inflow<T> | Promise<Inflow<T>>) {}

  /** Items received and not yet read (at most the `credit` window). */
  get bufferedItems(): number {
    return this.inflow?.bufferedItems ?? 0
  }

  /** Bytes of the items received and not yet read (their encoded size). */
  get bufferedBytes(): number {
    return this.inflow?.bufferedBytes ?? 0
  }

  /** The stream is read once: a second iteration throws `TypeError`. */
  [Symbol.asyncIterator](): this {
    this.claim('for await')
    return this
  }

  /** Opens the stream on first use, then gives the next item. */
  next(): Promise<IteratorResult<T>> {
    if (this.inflow !== null) return this.inflow.next()
    if (this.stopped) return Promise.resolve(DONE)
    return this.open().then((i) => i.next())
  }

  /** Stops reading: the sender is told at once (STOP) and its producer finishes. */
  return(): Promise<IteratorResult<T>> {
    this.stopped = true
    if (this.inflow !== null) return this.inflow.return()
    if (this.opening !== null) {
      this.opening.then(
        (i) => i.stopReading(),
        () => {},
      )
    }
    return Promise.resolve(DONE)
  }

  /**
   * The items as a pull-based ReadableStream (high-water mark 0: nothing is requested from the
   * peer before the consumer reads). Cancelling it stops the sender.
   */
  get readable(): ReadableStream<T> {
    this.claim('readable')
    return new ReadableStream<T>(
      {
        pull: async (controller) => {
          const r = await this.next()
          if (r.done) controller.close()
          else controller.enqueue(r.value)
        },
        cancel: async () => {
          await this.return()
        },
      },
      { highWaterMark: 0 },
    )
  }

  private claim(how: string): void {
    if (this.iterated) throw new TypeError(`a stream is read once: ${how} after it was already read`)
    this.iterated = true
  }

  private open(): Promise<Inflow<T>> {
    this.opening ??= new Promise<Inflow<T>>((resolve) => resolve(this.opener())).then((i) => {
      this.inflow = i
      if (this.stopped) i.stopReading()
      return i
    })
    return this.opening
  }
}
