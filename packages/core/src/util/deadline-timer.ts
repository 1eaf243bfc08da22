import { Defaults } from '../protocol/constants.js'

/**
 * One timer for many deadlines (e.g. every call of a session): adding a deadline later than the
 * armed one costs nothing, so a call does not create and clear a timer of its own (measured: a
 * setTimeout and clearTimeout per sequential call cost about 15 µs of CPU). When the timer fires,
 * `due(now)` handles what is due and returns the earliest deadline left (Infinity: none), for
 * which the timer is armed again. Times are `Date.now()` milliseconds. While the owner has no
 * deadline that matters ({@link idle}) the timer does not keep a Node process alive. @internal
 */
export class DeadlineTimer {
  private timer: ReturnType<typeof setTimeout> | undefined
  private armedAt = Number.POSITIVE_INFINITY
  /** The timer is unref'd (Node): nothing is waiting on it. */
  private idling = false

  constructor(private readonly due: (now: number) => number) {}

  /**
   * A deadline at `at` exists from now on; `inMs`: how far away it is, when the caller computed
   * `at` as `Date.now() + inMs` (the timer then waits exactly that long, even if the clock ticked
   * in between).
   */
  add(at: number, inMs: number = at - Date.now()): void {
    if (at < this.armedAt) this.arm(at, inMs)
    else if (this.idling) this.setRef(true)
  }

  /**
   * Nothing is waiting for a deadline now (those left are stale): the armed timer no longer
   * keeps the process alive (until the next {@link add}).
   */
  idle(): void {
    if (this.timer !== undefined && !this.idling) this.setRef(false)
  }

  /** Forgets every deadline (nothing fires afterwards). */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.armedAt = Number.POSITIVE_INFINITY
  }

  private arm(at: number, inMs: number = at - Date.now()): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.armedAt = at
    this.timer = setTimeout(this.fire, Math.min(Defaults.maxTimerMs, Math.max(0, inMs)))
    this.idling = false
  }

  private setRef(on: boolean): void {
    this.idling = !on
    const t = this.timer as { ref?: () => void; unref?: () => void } | undefined
    if (typeof t === 'object') on ? t.ref?.() : t.unref?.()
  }

  private readonly fire = (): void => {
    // the timer's own clock says its deadline came, even where Date.now() lags it (a clock
    // stepped back, fake timers that fake setTimeout alone)
    const now = Math.max(Date.now(), this.armedAt)
    this.timer = undefined
    this.armedAt = Number.POSITIVE_INFINITY
    const next = this.due(now)
    if (next < this.armedAt) this.arm(next)
  }
}
