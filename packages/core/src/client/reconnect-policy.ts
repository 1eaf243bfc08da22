import { HandshakeError } from '../errors/handshake-error.js'
import { TransportError } from '../errors/transport-error.js'
import { TransportCode } from '../transport/transport-codes.js'
import { integerOption } from '../util/options.js'

/** Reconnect backoff settings. */
export interface ReconnectOptions {
  /** First delay. Default 100 ms. */
  minDelayMs?: number
  /** Largest delay. Default 10 000 ms. */
  maxDelayMs?: number
}

/** A full server (REJECT `Full`) is asked again no sooner than this, whatever the backoff says. */
export const FULL_RETRY_MIN_MS = 1_000

/** Handshake failures that retrying cannot fix: the client stops instead of reconnecting. */
const FATAL_CHECKS: ReadonlySet<string> = new Set([
  'pin-mismatch',
  'bad-signature',
  'unauthorized',
  'unsupported-version',
  'low-order-key',
  'known-server-changed',
])

/**
 * When and whether a client tries again (like TanStack Query's retryer, kept apart from the
 * client): exponential backoff with "equal jitter" (half fixed, half random, so clients that
 * restart together spread out), and which failures are fatal. @internal
 */
export class ReconnectPolicy {
  readonly enabled: boolean
  private readonly minDelayMs: number
  private readonly maxDelayMs: number
  private attempt = 0

  constructor(option: boolean | ReconnectOptions | undefined) {
    this.enabled = option !== false
    const o = typeof option === 'object' && option !== null ? option : {}
    this.minDelayMs = integerOption('reconnect.minDelayMs', o.minDelayMs, 100, 0, 3_600_000)
    this.maxDelayMs = integerOption('reconnect.maxDelayMs', o.maxDelayMs, 10_000, this.minDelayMs, 3_600_000)
  }

  /** Failed attempts since the last success. */
  get attempts(): number {
    return this.attempt
  }

  /** A connection succeeded: the next failure starts from the first delay again. */
  reset(): void {
    this.attempt = 0
  }

  /**
   * Counts a failed attempt and returns the delay before the next one. After REJECT `Full` the
   * delay is at least {@link FULL_RETRY_MIN_MS} (within `maxDelayMs`): a full server is not asked
   * again at once by every client it refused.
   */
  nextDelay(error?: Error): number {
    let base = Math.min(this.maxDelayMs, this.minDelayMs * 2 ** Math.min(this.attempt, 30))
    if (error !== undefined && HandshakeError.isInstance(error) && error.check === 'full')
      base = Math.min(this.maxDelayMs, Math.max(base, 2 * FULL_RETRY_MIN_MS))
    this.attempt++
    return base / 2 + Math.random() * (base / 2)
  }

  /** True for a failure that retrying cannot fix (a wrong key, a refusal, another protocol). */
  isFatal(error: Error): boolean {
    if (TransportError.isInstance(error)) return error.code === TransportCode.NotKiloparsec
    return HandshakeError.isInstance(error) && FATAL_CHECKS.has(error.check)
  }
}
