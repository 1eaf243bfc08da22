import * as bp from '@kp/bipack'
import type { SigningKey } from '@kp/crypto'
import { defineError } from '../rpc/application-error.js'
import { command } from '../rpc/command.js'
import { KiloInterface } from '../rpc/kilo-interface.js'
import type { ServeOptions } from '../server/kilo-server.js'

/**
 * The small API a fuzzed server serves: sync and async handlers, a handler that never answers,
 * one that throws, one that calls the client back, and a push target. Hostile peers aim their
 * CALLs and PUSHes at these names (and at names that do not exist).
 */
export const fuzzApi = {
  /** Answers its argument at once (synchronous handler). */
  echo: command('echo', bp.string, bp.string),
  /** Answers its argument at once. */
  echoBytes: command('echoBytes', bp.bytes, bp.bytes),
  /** Waits `n` ms (clamped to 0..50) in an async handler, then answers `n`. */
  slow: command('slow', bp.int, bp.int),
  /** Never answers; ends when the caller cancels or the session closes. */
  hang: command('hang', bp.unit, bp.unit),
  /** Throws the registered application error {@link FuzzRefused}. */
  fail: command('fail', bp.string, bp.unit),
  /** Calls the client's `echo` and answers with what came back. */
  callBack: command('callBack', bp.string, bp.string),
  /** Push target: counted by the server. */
  note: command('note', bp.string, bp.unit),
}

/** The application error `fail` throws. */
export const FuzzRefused = defineError('fuzz.Refused', bp.struct({ what: bp.string }))

/** Command names hostile peers use: the served ones and some that are not served. */
export const fuzzCommandNames: readonly string[] = [...Object.values(fuzzApi).map((c) => c.name), 'missing', '', 'é', 'x'.repeat(300)]

/** What the fuzzed server's handlers count. */
export interface FuzzServerStats {
  /** Sessions whose `onConnected` hook ran. */
  connected: number
  /** Sessions whose `onDisconnected` hook ran. */
  disconnected: number
  /** Pushes received by `note`. */
  notes: number
  /** Handler invocations. */
  calls: number
}

const tick = (ms = 0) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * The fuzzed server's interface: an async `onConnected` hook that awaits a timer tick (it widens
 * the window between FINISH and the first handled call, where early calls are held: 3 ms).
 */
export function fuzzServerInterface(stats: FuzzServerStats = newFuzzServerStats()): KiloInterface<unknown> {
  const api = fuzzApi
  return new KiloInterface<unknown>()
    .onConnected(async () => {
      await tick(3)
      stats.connected++
    })
    .onDisconnected(() => {
      stats.disconnected++
    })
    .on(api.echo, (s) => {
      stats.calls++
      return s
    })
    .on(api.echoBytes, (b) => {
      stats.calls++
      return b
    })
    .on(api.slow, async (n) => {
      stats.calls++
      await tick(Math.max(0, Math.min(50, n)))
      return n
    })
    .on(api.hang, (_, ctx) => {
      stats.calls++
      return new Promise<undefined>((_resolve, reject) => {
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true })
      })
    })
    .on(api.fail, (what) => {
      stats.calls++
      throw new FuzzRefused(`refused ${what.slice(0, 20)}`, { what: what.slice(0, 20) })
    })
    .on(api.callBack, async (s, ctx) => {
      stats.calls++
      return await ctx.call(api.echo, s, { timeoutMs: 2_000 })
    })
    .on(api.note, () => {
      stats.notes++
    })
}

/** Zeroed {@link FuzzServerStats}. */
export function newFuzzServerStats(): FuzzServerStats {
  return { connected: 0, disconnected: 0, notes: 0, calls: 0 }
}

/** The good client's interface (it answers the server's `callBack` calls). */
export function fuzzClientInterface(): KiloInterface<unknown> {
  return new KiloInterface<unknown>().on(fuzzApi.echo, (s) => s)
}

/** Limits of the fuzzed server that hostile peers try to pass. */
export interface FuzzLimits {
  maxInFlight: number
  maxMessage: number
  handshakeTimeoutMs: number
  idleTimeoutMs: number
  pingIntervalMs: number
}

/** Default limits: small, so hostile peers reach them quickly, and short timeouts so a run drains. */
export const defaultFuzzLimits: FuzzLimits = {
  maxInFlight: 16,
  maxMessage: 16 * 1024,
  handshakeTimeoutMs: 800,
  idleTimeoutMs: 2_000,
  pingIntervalMs: 1_000,
}

/**
 * `serve` options of the fuzzed server: the limits above and an `authorize` hook that awaits a
 * timer tick before it allows (records that follow FINISH are buffered meanwhile).
 */
export function fuzzServeOptions(key: SigningKey, limits: FuzzLimits = defaultFuzzLimits): ServeOptions<unknown> {
  return {
    key,
    maxInFlight: limits.maxInFlight,
    maxMessage: limits.maxMessage,
    handshakeTimeoutMs: limits.handshakeTimeoutMs,
    idleTimeoutMs: limits.idleTimeoutMs,
    pingIntervalMs: limits.pingIntervalMs,
    authorize: async () => {
      await tick(1)
      return true
    },
  }
}
