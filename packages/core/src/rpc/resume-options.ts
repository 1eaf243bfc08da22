import { Defaults } from '../protocol/constants.js'
import { integerOption } from '../util/options.js'

/** Settings of resumable sessions on a server (the `resume` option of `serve`). */
export interface ResumeServeOptions {
  /** How long a session without a link waits for its client. Default 30 000 ms. */
  windowMs?: number
  /** Bytes of unacknowledged messages a session keeps; past it the session ends. Default 1 MiB. */
  maxBytes?: number
}

/** Resumption settings, checked (shared by `serve` and `connect`). @internal */
export function resolveResume(name: string, option: unknown, windowFallback: number): { windowMs: number; maxBytes: number } | null {
  if (option === undefined || option === false) return null
  if (option === true) return { windowMs: windowFallback, maxBytes: Defaults.resumeMaxBytes }
  if (option === null || typeof option !== 'object') throw new TypeError(`"${name}" expected a boolean or { windowMs?, maxBytes? }`)
  const o = option as ResumeServeOptions
  return {
    windowMs: integerOption(`${name}.windowMs`, o.windowMs, windowFallback, 1, Defaults.maxTimerMs),
    maxBytes: integerOption(`${name}.maxBytes`, o.maxBytes, Defaults.resumeMaxBytes, 1024, 1 << 30),
  }
}
