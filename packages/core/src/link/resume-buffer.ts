/**
 * What a resumable session keeps across links (PROTOCOL.md 15): the numbered segments of session
 * messages it sent and the peer has not acknowledged (their plaintext, SEQ included), the next
 * segment number, and the highest segment number received from the peer. Bounded by `maxBytes`:
 * past it, `onOverflow` runs once (the session ends). Non-resumable sessions have none. @internal
 */
export class ResumeBuffer {
  /** Segments sent and not acknowledged, oldest first; `numbers[i]` is the number of `kept[i]`. */
  private kept: Uint8Array[] = []
  private numbers: number[] = []
  private head = 0
  /** Bytes held in `kept`. */
  bytes = 0
  /** The number of the last segment numbered on this side (0: none yet). */
  sent = 0
  /** The highest segment number received from the peer (what we acknowledge). */
  received = 0
  /** The highest number we acknowledged to the peer so far. */
  ackedOut = 0
  /** Segments received since our last ACK. */
  unackedIn = 0
  /** Bytes of records with segments received since our last ACK. */
  unackedInBytes = 0
  /** True while an ACK was asked for (a PING sent for it) and none came. */
  askedAck = false
  private overflowed = false

  constructor(
    readonly maxBytes: number,
    private readonly onOverflow: (bytes: number) => void,
  ) {}

  /** Numbers the next segment. */
  next(): number {
    return ++this.sent
  }

  /** Keeps a copy of segment `n`'s plaintext until the peer acknowledges it. */
  keep(n: number, plaintext: Uint8Array): void {
    if (this.overflowed) return
    this.kept.push(plaintext.slice())
    this.numbers.push(n)
    this.bytes += plaintext.length
    if (this.bytes > this.maxBytes) {
      this.overflowed = true
      this.onOverflow(this.bytes)
    }
  }

  /** The peer received every segment up to `n`: they are dropped. */
  ack(n: number): void {
    this.askedAck = false
    while (this.head < this.kept.length && this.numbers[this.head]! <= n) {
      this.bytes -= this.kept[this.head]!.length
      this.kept[this.head] = EMPTY
      this.head++
    }
    if (this.head === this.kept.length) {
      this.kept = []
      this.numbers = []
      this.head = 0
    } else if (this.head >= 64 && this.head * 2 >= this.kept.length) {
      this.kept = this.kept.slice(this.head)
      this.numbers = this.numbers.slice(this.head)
      this.head = 0
    }
  }

  /** Segments kept, oldest first (to resend on a new link). */
  *pending(): Iterable<Uint8Array> {
    for (let i = this.head; i < this.kept.length; i++) yield this.kept[i]!
  }

  /** Segments kept. */
  get size(): number {
    return this.kept.length - this.head
  }

  /** The session ended: nothing is kept. */
  clear(): void {
    this.kept = []
    this.numbers = []
    this.head = 0
    this.bytes = 0
  }
}

const EMPTY = new Uint8Array(0)
