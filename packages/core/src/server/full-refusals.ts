import type { Logger } from '../util/logger.js'

/** How often a full server logs its refusals, at most. */
export const FULL_LOG_INTERVAL_MS = 10_000

/**
 * Counts the connections a full server refused (REJECT `Full`: a listener's `maxConnections`, or
 * `maxSessions`) and logs them once per interval with the count since the last line, so that
 * thousands of refused clients make one warning, not thousands. @internal
 */
export class FullRefusals {
  /** Refusals since the server started. */
  total = 0
  private unreported = 0
  private lastLogAt = Number.NEGATIVE_INFINITY

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = FULL_LOG_INTERVAL_MS,
  ) {}

  /** One connection was refused because of `limit` (e.g. "maxSessions 100000"). */
  refused(limit: string): void {
    this.total++
    this.unreported++
    const now = Date.now()
    if (now - this.lastLogAt < this.intervalMs) return
    const span = this.lastLogAt === Number.NEGATIVE_INFINITY ? '' : ` in the last ${Math.round((now - this.lastLogAt) / 1000)} s`
    this.log.warn?.(
      `server full (${limit}): refused ${this.unreported} connection${this.unreported === 1 ? '' : 's'}${span} with REJECT full; clients retry with backoff`,
    )
    this.lastLogAt = now
    this.unreported = 0
  }
}
