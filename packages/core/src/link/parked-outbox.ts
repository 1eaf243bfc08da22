import { BipackWriter } from '@kp/bipack'
import { writeSeq } from '../protocol/messages.js'
import { scheduleTurn } from '../util/schedule-turn.js'
import type { ItemScheduler, ItemTarget } from './item-scheduler.js'
import { SEQ_ROOM } from './record-io.js'
import type { ResumeBuffer } from './resume-buffer.js'

/**
 * Where an interrupted resumable session writes while it has no link (PROTOCOL.md 15): each
 * turn's messages become one numbered segment, kept in the {@link ResumeBuffer} and sent when
 * the session resumes. Stream items wait in their streams meanwhile (the scheduler here never
 * writes them; the next link's does). @internal
 */
export class ParkedOutbox implements ItemTarget {
  private writer = new BipackWriter(256)
  private segNo = 0
  private open = false
  private scheduled = false
  /** Stream sources waiting for the next link (made when the first one waits). */
  items: ItemScheduler | null = null

  constructor(
    private readonly buffer: ResumeBuffer,
    readonly turnLimit: number,
  ) {}

  /** Makes room for a session message of `size` bytes in this turn's segment. */
  reserve(size: number): BipackWriter {
    const w = this.writer
    if (this.open && w.length + size > this.turnLimit) this.capture()
    if (!this.open) {
      this.open = true
      this.segNo = this.buffer.next()
      writeSeq(w, this.segNo)
      if (!this.scheduled) {
        this.scheduled = true
        scheduleTurn(this.endOfTurn)
      }
    }
    return w
  }

  append(message: Uint8Array): void {
    this.reserve(message.length).fixed(message)
  }

  /** Keeps the open segment now (at the end of a turn, and before the session moves to a link). */
  capture(): void {
    if (!this.open) return
    this.open = false
    this.buffer.keep(this.segNo, this.writer.view())
    this.writer.reset()
  }

  private readonly endOfTurn = (): void => {
    this.scheduled = false
    this.capture()
  }

  // ItemTarget: nothing is ever sent from here
  get out(): BipackWriter {
    return this.writer
  }
  get segmentRoom(): number {
    return SEQ_ROOM
  }
  backlog(): number {
    return Number.POSITIVE_INFINITY
  }
  get itemHighWater(): number {
    return 0
  }
  beginSegment(): void {}
  sealNow(): void {}
  scheduleItems(): void {}
}
