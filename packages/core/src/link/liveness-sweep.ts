import { LivenessBase, type LivenessFactory } from './liveness-base.js'

/**
 * The server's liveness (PROTOCOL.md 6.2) for every link of the process in a few shared timers.
 *
 * A process wakes for every timer that fires at its own moment and for every record that arrives
 * on its own, and a wake-up costs far more than the little work it does (`pnpm bench:wakeup-floor`:
 * a plain Node TCP echo spends 220–250 µs of server CPU per message that arrives on its own, 52 µs
 * per message when the server sends them all at once). With a per-link timer and the client
 * pinging on its own schedule, an idle server woke twice per session and interval (measured:
 * 14.4 µs of server CPU per idle TCP session and second at a 25 s interval). Here one sweep per
 * period checks every link that shares the period: it closes the links that received nothing
 * for the idle timeout and pings the quiet ones all at once, so their PONGs come back together,
 * and the clients, whose PONG counts as sending, never fall quiet long enough to ping on their
 * own. Idle links then cost a few wake-ups per interval for the whole server, not two per session.
 */

/** Sweeps per interval a link checks on (PROTOCOL.md 6.2): the period is the interval / 8. */
const SWEEPS_PER_INTERVAL = 8

/**
 * A quiet link is pinged once 6/8 of the ping interval passed (a sweep later at most): its
 * client, which pings after a whole interval without sending, answers first.
 */
const PING_AFTER_SWEEPS = 6

/** Shortest sweep period (ms), for intervals configured far below the protocol's minimum. */
const MIN_PERIOD_MS = 10

/**
 * PINGs one slice sends; the rest of a sweep's PINGs follow `SLICE_GAP_MS` later, so that calls
 * of busy sessions run between slices and the PONGs of a large server (a sixth of its quiet
 * sessions per sweep) do not all arrive in the same instant (a datagram socket's receive buffer
 * would overflow and drop other sessions' datagrams with them).
 */
const PINGS_PER_SLICE = 256
const SLICE_GAP_MS = 2

const sweeps = new Map<number, Sweep>()

/** One timer for every link whose period is `periodMs`; armed only while it has links. */
class Sweep {
  readonly links = new Set<SweptLiveness>()
  private timer: ReturnType<typeof setTimeout> | undefined
  /** Links this sweep found due for a PING, sent slice by slice from `next`. */
  private due: SweptLiveness[] = []
  private next = 0
  private sliceTimer: ReturnType<typeof setTimeout> | undefined

  constructor(private readonly periodMs: number) {}

  add(link: SweptLiveness): void {
    this.links.add(link)
    if (this.timer === undefined) this.arm()
  }

  delete(link: SweptLiveness): void {
    this.links.delete(link)
    if (this.links.size > 0) return
    if (this.timer !== undefined) clearTimeout(this.timer)
    if (this.sliceTimer !== undefined) clearTimeout(this.sliceTimer)
    this.timer = undefined
    this.sliceTimer = undefined
    this.due = []
    this.next = 0
    sweeps.delete(this.periodMs)
  }

  private arm(): void {
    this.timer = setTimeout(this.run, this.periodMs)
    ;(this.timer as { unref?: () => void }).unref?.()
  }

  private readonly run = (): void => {
    this.timer = undefined
    const now = Date.now()
    // PINGs of the last sweep still going out in slices: this sweep's join them
    const slicing = this.due.length > 0
    try {
      // a link that closes while it is checked leaves the set; a Set's iteration allows that
      for (const link of this.links) if (link.check(now)) this.due.push(link)
    } finally {
      if (this.links.size > 0) this.arm()
    }
    if (!slicing && this.due.length > 0) this.slice()
  }

  /** Sends the next slice of due PINGs; links closed since the sweep are skipped. */
  private readonly slice = (): void => {
    this.sliceTimer = undefined
    const end = Math.min(this.due.length, this.next + PINGS_PER_SLICE)
    try {
      // a PING only queues a record, but a link's close could empty `due` (the last link of the sweep)
      while (this.next < end && this.next < this.due.length) this.due[this.next++]!.sendPing()
    } finally {
      if (this.next < this.due.length) {
        this.sliceTimer = setTimeout(this.slice, SLICE_GAP_MS)
        ;(this.sliceTimer as { unref?: () => void }).unref?.()
      } else {
        this.due = []
        this.next = 0
      }
    }
  }
}

/** The sweep period of a link: an eighth of its shorter non-zero interval; 0 when both are off. @internal */
export function sweepPeriod(pingIntervalMs: number, idleTimeoutMs: number): number {
  const shortest = Math.min(pingIntervalMs > 0 ? pingIntervalMs : Number.POSITIVE_INFINITY, idleTimeoutMs > 0 ? idleTimeoutMs : Number.POSITIVE_INFINITY)
  if (shortest === Number.POSITIVE_INFINITY) return 0
  return Math.max(MIN_PERIOD_MS, Math.floor(shortest / SWEEPS_PER_INTERVAL))
}

/**
 * A server link's liveness, checked by the shared sweep of its period: it pings when it has
 * sent nothing, or received nothing, for 3/4 of the announced interval (a sweep later at
 * most), and not again within that time; it closes after `idleTimeoutMs` without
 * receiving (up to one sweep late). @internal
 */
export class SweptLiveness extends LivenessBase {
  private lastPinged = 0
  private readonly pingAfterMs: number
  private sweep: Sweep | undefined

  constructor(
    private readonly pingIntervalMs: number,
    idleTimeoutMs: number,
    private readonly ping: () => void,
    private readonly idle: (idleTimeoutMs: number) => void,
  ) {
    super(idleTimeoutMs)
    const period = sweepPeriod(pingIntervalMs, idleTimeoutMs)
    this.pingAfterMs = Math.floor((pingIntervalMs * PING_AFTER_SWEEPS) / SWEEPS_PER_INTERVAL)
    if (period === 0) return
    let sweep = sweeps.get(period)
    if (sweep === undefined) {
      sweep = new Sweep(period)
      sweeps.set(period, sweep)
    }
    this.sweep = sweep
    sweep.add(this)
  }

  stop(): void {
    this.sweep?.delete(this)
    this.sweep = undefined
  }

  /** One sweep at `now`: closes an idle link; true when a quiet one is due for a PING ({@link sendPing}). */
  check(now: number): boolean {
    if (this.idleTimeoutMs > 0 && now - this.lastReceived >= this.idleTimeoutMs) {
      this.stop()
      this.idle(this.idleTimeoutMs)
      return false
    }
    if (this.pingIntervalMs === 0 || now - this.lastPinged < this.pingAfterMs) return false
    if (now - this.lastSent < this.pingAfterMs && now - this.lastReceived < this.pingAfterMs) return false
    this.lastPinged = now
    this.lastSent = now
    return true
  }

  /** Sends the PING a sweep found due, unless the link stopped since. */
  sendPing(): void {
    if (this.sweep !== undefined) this.ping()
  }
}

/** The server's links' liveness: checked by the shared sweep of their period. @internal */
export const sweptLiveness: LivenessFactory = (pingIntervalMs, idleTimeoutMs, ping, idle) => new SweptLiveness(pingIntervalMs, idleTimeoutMs, ping, idle)
