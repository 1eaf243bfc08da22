/** Defaults and argument checks shared by the listener and the connector. @internal */
import { type MemoryBudget, processMemoryBudget } from '@kp/core'

/** PROTOCOL.md 7: frame limit on TCP. */
export const DEFAULT_MAX_FRAME = 16 * 1024 * 1024
/** Largest `maxFrame` accepted (1 GiB). */
export const MAX_FRAME_CAP = 1024 * 1024 * 1024
/** Send backlog allowed on top of one maximum frame before a peer counts as not reading. */
export const DEFAULT_BUFFER_SLACK = 32 * 1024 * 1024

/** Options every TCP transport end accepts. */
export interface SocketTransportOptions {
  /** Largest frame sent or accepted, bytes. Default 16 MiB (PROTOCOL.md 7); at most 1 GiB. */
  maxFrame?: number
  /**
   * Bytes this end may hold unsent (its socket's write queue) for a peer that does not read; one
   * more send beyond it closes the connection with `TransportError` code `'kp.SlowPeer'`.
   * Default `maxFrame + 32 MiB` (48 MiB with the default `maxFrame`); at least `maxFrame`.
   */
  maxBuffered?: number
  /**
   * Budget shared with other connections for what they hold unsent beyond 64 KiB each; when it
   * refuses, the connection closes with `TransportError` code `'kp.MemoryBudget'`. Default: the
   * process-wide `processMemoryBudget()` of `@kp/core` (256 MiB).
   */
  memoryBudget?: MemoryBudget
}

/** Resolved limits. @internal */
export interface SocketLimits {
  maxFrame: number
  maxBuffered: number
  memoryBudget: MemoryBudget
}

/** Checks `value` is an integer in `[min, max]` (noble-style messages). @internal */
export function checkInt(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`"${name}" expected an integer, got ${typeof value === 'number' ? value : typeof value}`)
  }
  if (value < min || value > max) throw new RangeError(`"${name}" expected an integer in [${min}, ${max}], got ${value}`)
  return value
}

/** Validates and fills in the frame and buffer limits. @internal */
export function socketLimits(options: SocketTransportOptions): SocketLimits {
  const maxFrame = options.maxFrame === undefined ? DEFAULT_MAX_FRAME : checkInt('maxFrame', options.maxFrame, 1, MAX_FRAME_CAP)
  const maxBuffered =
    options.maxBuffered === undefined ? maxFrame + DEFAULT_BUFFER_SLACK : checkInt('maxBuffered', options.maxBuffered, maxFrame, Number.MAX_SAFE_INTEGER)
  const budget = options.memoryBudget
  if (budget !== undefined && (typeof budget !== 'object' || budget === null || typeof budget.take !== 'function')) {
    throw new TypeError(`"memoryBudget" expected a MemoryBudget, got ${budget === null ? 'null' : typeof budget}`)
  }
  return { maxFrame, maxBuffered, memoryBudget: budget ?? processMemoryBudget() }
}

/** Checks the `{ host, port }` pair of a listener or connector. @internal */
export function checkHostPort(options: { host?: unknown; port?: unknown } | undefined, defaultHost: string): { host: string; port: number } {
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object with a "port"')
  const host = options.host === undefined ? defaultHost : options.host
  if (typeof host !== 'string' || host === '') throw new TypeError(`"host" expected a non-empty string, got ${typeof host}`)
  return { host, port: checkInt('port', options.port, 0, 65_535) }
}
