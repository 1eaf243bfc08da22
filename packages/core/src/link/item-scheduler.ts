import type { BipackWriter } from '@kp/bipack'
import { Defaults } from '../protocol/constants.js'

/** One stream direction with encoded messages waiting to be written. @internal */
export interface ScheduledSource {
  /** Set by the scheduler while the source is in its round-robin. */
  scheduled: boolean
  /** Bytes waiting. */
  readonly queued: number
  /** Size of the first waiting message. */
  readonly firstSize: number
  /** Writes whole messages into `w`: everything when it fits in `max`, else as many as fit (at least one). */
  writeInto(w: BipackWriter, max: number): number
}

/** Makes the scheduler of a target: passed in by the stream code, so a link without streams never loads the scheduler. @internal */
export type MakeItemScheduler = (target: ItemTarget) => ItemScheduler

/** The record layer as the scheduler sees it. @internal */
export interface ItemTarget {
  /** This turn's messages; items are appended after everything else in it. */
  readonly out: BipackWriter
  /** Largest plaintext of one record (or one ARQ message). */
  readonly turnLimit: number
  /** Bytes handed to the transport (or the ARQ engine) and not yet sent. */
  backlog(): number
  /** Items wait while `backlog()` is at least this. */
  readonly itemHighWater: number
  /** Room a segment's SEQ takes before the first item of a turn (resumable sessions; else 0). */
  readonly segmentRoom: number
  /** Opens a numbered segment when the session is resumable (before items are written). */
  beginSegment(): void
  /** Seals what `out` holds now into a record of its own. */
  sealNow(): void
  /**
   * Add the waiting items at the end of this turn of the event loop (a macrotask, not the
   * microtask that flushes messages: a producer's items arrive over several microtasks, and one
   * record should carry them all).
   */
  scheduleItems(): void
}

/**
 * The write path of stream items (PROTOCOL.md 14, rule 5). Items never go straight into a
 * record: a stream direction queues them, and at the end of each turn, after the turn's calls,
 * results and control messages (CREDIT, STOP, CANCEL, PING, PONG) are in the record, the
 * scheduler adds up to `Defaults.streamTurnBytes` of items, serving the streams round-robin.
 * Items never take the transport's backlog of bytes not yet sent above its high water
 * (`Defaults.streamHighWater`; in reliable datagram mode `Defaults.streamTurnBytes`, about the
 * ARQ engine's window),
 * so a saturating stream starves neither calls nor keepalive and never makes the transport
 * close for a slow peer. A link without streams never creates one. @internal
 */
export class ItemScheduler {
  private ring: (ScheduledSource | undefined)[] = []
  private head = 0
  private pollTimer: ReturnType<typeof setTimeout> | undefined
  private stopped = false
  /** Sources that were waiting when this stopped (see {@link handOver}). */
  private left: ScheduledSource[] = []

  constructor(private readonly target: ItemTarget) {}

  /** Sources waiting. */
  get size(): number {
    return this.ring.length - this.head
  }

  /** A source has messages queued: serve it (at the end of this turn, or later in its turn). */
  add(s: ScheduledSource): void {
    if (s.scheduled || this.stopped) return
    s.scheduled = true
    this.ring.push(s)
    if (this.pollTimer === undefined) this.target.scheduleItems()
  }

  /**
   * Adds items to this turn's record within the budget. Returns true when sources still wait
   * and the next turn should continue (false when there is nothing left, or when the
   * transport's backlog is high and a timer will wake the link).
   */
  fill(): boolean {
    if (this.size === 0 || this.stopped) return false
    const t = this.target
    const free = t.itemHighWater - t.backlog()
    if (free <= 0) {
      this.poll()
      return false
    }
    let out = t.out
    let budget = Math.min(Defaults.streamTurnBytes, free)
    let wrote = 0
    let visits = this.size
    while (this.size > 0 && budget > 0 && visits-- > 0) {
      const s = this.ring[this.head]!
      const q = s.queued
      if (q === 0) {
        this.dequeue(s)
        visits++
        continue
      }
      if (wrote > 0 && q > budget) break
      let room = t.turnLimit - out.length - t.segmentRoom
      if (wrote === 0 && out.length > 0 && q > room) {
        // a large item starts a record of its own, behind the turn's other messages
        t.sealNow()
        out = t.out // sealing gave the turn's writer back: the next record has another
        room = t.turnLimit - t.segmentRoom
      }
      if (s.firstSize > room) break
      if (t.segmentRoom > 0) {
        t.beginSegment()
        room = t.turnLimit - out.length
      }
      const n = s.writeInto(out, Math.min(room, wrote === 0 ? Math.max(budget, s.firstSize) : budget))
      wrote += n
      budget -= n
      this.dequeue(s)
      if (s.queued > 0) {
        s.scheduled = true
        this.ring.push(s)
      }
    }
    return this.size > 0
  }

  /** The link ended: forget every timer and source; the ones that were waiting can be handed over. */
  stop(): void {
    if (this.stopped) return
    this.stopped = true
    if (this.pollTimer !== undefined) clearTimeout(this.pollTimer)
    this.pollTimer = undefined
    const waiting: ScheduledSource[] = []
    for (let i = this.head; i < this.ring.length; i++) {
      const s = this.ring[i]!
      s.scheduled = false
      waiting.push(s)
    }
    this.ring = []
    this.head = 0
    this.left = waiting
  }

  /**
   * A resumable session moves between links and its parked outbox (PROTOCOL.md 15): the sources
   * that waited when this stopped go to `into`, or to a new scheduler of `target` when there is
   * none. Returns the scheduler that holds them (`into` when nothing waited).
   */
  handOver(target: ItemTarget, into: ItemScheduler | null): ItemScheduler | null {
    const left = this.left
    this.left = []
    if (left.length === 0) return into
    const s = into ?? new ItemScheduler(target)
    for (const x of left) s.add(x)
    return s
  }

  private dequeue(s: ScheduledSource): void {
    s.scheduled = false
    this.ring[this.head++] = undefined
    if (this.head === this.ring.length) {
      this.ring.length = 0
      this.head = 0
    } else if (this.head >= 64 && this.head * 2 >= this.ring.length) {
      this.ring = this.ring.slice(this.head)
      this.head = 0
    }
  }

  /** The transport's backlog is high: look again shortly (transports have no drain event). */
  private poll(): void {
    if (this.pollTimer !== undefined) return
    this.pollTimer = setTimeout(this.onPoll, 1)
  }

  private readonly onPoll = (): void => {
    this.pollTimer = undefined
    if (!this.stopped && this.size > 0) this.target.scheduleItems()
  }
}
