/**
 * Numbers this side's calls (and, later, the streams it opens) from 1 upwards (PROTOCOL.md 6).
 * One allocator per session, shared by everything that needs an id the peer echoes back.
 * @internal
 */
export class IdAllocator {
  private nextId = 1

  /** The last id handed out (0 before the first). */
  get last(): number {
    return this.nextId - 1
  }

  /** The next unused id. */
  next(): number {
    return this.nextId++
  }
}
