import { Defaults } from '../protocol/constants.js'
import { LivenessBase } from './liveness-base.js'

/**
 * The client's liveness (PROTOCOL.md 6.2): its two timers in one `setTimeout`, ping after
 * `pingIntervalMs` without sending, give up after `idleTimeoutMs` without receiving. The server
 * checks its links in shared sweeps instead (liveness-sweep.ts). @internal
 */
export class Liveness extends LivenessBase {
  private timer: ReturnType<typeof setTimeout> | undefined
  private stopped = false
  /** The client pings only once READY has arrived. */
  pingEnabled: boolean

  constructor(
    private pingIntervalMs: number,
    idleTimeoutMs: number,
    pingEnabled: boolean,
    private readonly ping: () => void,
    private readonly idle: (idleTimeoutMs: number) => void,
  ) {
    super(idleTimeoutMs)
    this.pingEnabled = pingEnabled
    this.arm()
  }

  /**
   * The server's PING came and is answered: the timer moves to a whole interval from now, so a
   * client whose server pings first (PROTOCOL.md 6.2) wakes only for the PINGs, not also for a
   * timer that finds nothing to do.
   */
  override answeredPing(): void {
    super.answeredPing()
    this.arm()
  }

  /** New intervals (the client adopts the server's from READY); 0 disables each. */
  configure(pingIntervalMs: number, idleTimeoutMs: number): void {
    this.pingIntervalMs = pingIntervalMs
    this.idleTimeoutMs = idleTimeoutMs
    this.arm()
  }

  stop(): void {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
  }

  /** (Re)arms the one timer for the earliest deadline. */
  arm(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    if (this.stopped) return
    let due = Number.POSITIVE_INFINITY
    if (this.idleTimeoutMs > 0) due = Math.min(due, this.lastReceived + this.idleTimeoutMs)
    if (this.pingIntervalMs > 0 && this.pingEnabled) due = Math.min(due, this.lastSent + this.pingIntervalMs)
    if (due === Number.POSITIVE_INFINITY) return
    const delay = Math.min(Defaults.maxTimerMs, Math.max(1, due - Date.now() + 1))
    this.timer = setTimeout(this.onTimer, delay)
    ;(this.timer as { unref?: () => void }).unref?.()
  }

  private readonly onTimer = (): void => {
    this.timer = undefined
    if (this.stopped) return
    const now = Date.now()
    if (this.idleTimeoutMs > 0 && now - this.lastReceived >= this.idleTimeoutMs) return this.idle(this.idleTimeoutMs)
    if (this.pingIntervalMs > 0 && this.pingEnabled && now - this.lastSent >= this.pingIntervalMs) {
      this.lastSent = now
      this.ping()
    }
    this.arm()
  }
}
