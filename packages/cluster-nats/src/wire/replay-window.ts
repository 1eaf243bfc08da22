/** Counters remembered behind the highest one seen. @internal */
export const REPLAY_WINDOW = 1024

/**
 * Which counters of one sender were already accepted: the highest, and a bitmap of the
 * {@link REPLAY_WINDOW} below it. Older ones are refused. `check` first (before the AEAD open),
 * `commit` after the open succeeded, so forged frames never move the window. @internal
 */
export class ReplayWindow {
  private highest = -1
  private readonly bits = new Uint32Array(REPLAY_WINDOW / 32)

  /** True when `counter` is new and within the window. */
  check(counter: number): boolean {
    if (counter > this.highest) return true
    if (this.highest - counter >= REPLAY_WINDOW) return false
    const i = counter % REPLAY_WINDOW
    return (this.bits[i >>> 5]! & (1 << (i & 31))) === 0
  }

  /** Records `counter` as accepted (after `check` said true and the frame opened). */
  commit(counter: number): void {
    if (counter > this.highest) {
      if (counter - this.highest >= REPLAY_WINDOW || this.highest < 0) this.bits.fill(0)
      else for (let c = this.highest + 1; c < counter; c++) this.clear(c % REPLAY_WINDOW)
      this.highest = counter
    }
    const i = counter % REPLAY_WINDOW
    this.bits[i >>> 5]! |= 1 << (i & 31)
  }

  private clear(i: number): void {
    this.bits[i >>> 5]! &= ~(1 << (i & 31))
  }
}
