/**
 * Sliding anti-replay window over the last `size` counters (RFC 6479 style bitmap), for
 * datagram transports (PROTOCOL.md 5.2). `check` before opening, `accept` after a record opened,
 * so a forged record never moves the window.
 */
export class ReplayWindow {
  private readonly bits: Uint32Array
  private readonly size: number
  /** Highest accepted counter, -1 before the first. */
  private top = -1

  constructor(size = 1024) {
    if (size % 32 !== 0 || size <= 0) throw new RangeError('"size" must be a positive multiple of 32')
    this.size = size
    this.bits = new Uint32Array(size / 32 + 1)
  }

  /** True if `counter` is new and not older than the window. */
  check(counter: number): boolean {
    if (counter > this.top) return true
    if (this.top - counter >= this.size) return false
    const i = counter % (this.bits.length * 32)
    return (this.bits[i >>> 5]! & (1 << (i & 31))) === 0
  }

  /** Marks `counter` as seen (call only after `check` returned true and the record opened). */
  accept(counter: number): void {
    const span = this.bits.length * 32
    if (counter > this.top) {
      // forget the bits of counters that slide out of the window
      if (counter - this.top >= span) this.bits.fill(0)
      else
        for (let c = this.top + 1; c <= counter; c++) {
          const i = c % span
          this.bits[i >>> 5]! &= ~(1 << (i & 31))
        }
      this.top = counter
    }
    const i = counter % span
    this.bits[i >>> 5]! |= 1 << (i & 31)
  }
}
