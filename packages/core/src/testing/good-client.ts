import type { PublicKey } from '@kp/crypto'
import { connect } from '../client/connect.js'
import type { KiloClient } from '../client/kilo-client.js'
import { KiloError } from '../errors/kilo-error.js'
import type { Connector } from '../transport/transport.js'
import { fuzzApi, fuzzClientInterface } from './fuzz-api.js'

/** What the good client saw during a fuzz run. */
export interface GoodClientReport {
  calls: number
  failures: number
  /** The first failures (code and message). */
  errors: string[]
  /** Times the client lost its connection. */
  disconnects: number
  /** Call latency percentiles, ms (null before the first call). */
  p50Ms: number | null
  p99Ms: number | null
  maxMs: number | null
}

/** A well-behaved client that keeps calling while hostile peers attack the same server. */
export interface GoodClient {
  readonly client: KiloClient
  /** Resolves once connected (rejects if the first connect fails). */
  ready(): Promise<void>
  /** The report so far (calls keep going). */
  report(): GoodClientReport
  /** Every failure so far, in order (code and message; the first 100 000). */
  failures(): string[]
  /** Stops calling, waits for the calls in flight, closes the client and reports. */
  stop(): Promise<GoodClientReport>
}

/** Options of {@link startGoodClient}. */
export interface GoodClientOptions {
  serverId: PublicKey
  /** Datagram transports: reliable datagram mode. */
  reliable?: boolean
  /** Calls in flight at once. Default 2. */
  concurrency?: number
  /** Pause between calls of one lane, ms (0: back to back). Default 0. */
  pauseMs?: number
  /** Latency samples kept (the first ones, then a reservoir). Default 200 000. */
  samples?: number
}

/**
 * Starts a client that calls `echo` (and now and then `slow` and `callBack`, which makes the
 * server call it back) in `concurrency` loops until stopped. Every call must succeed: any
 * rejection is a failure. No reconnect: a lost connection fails the calls after it.
 */
export function startGoodClient(connector: Connector, o: GoodClientOptions): GoodClient {
  const client = connect(connector, { serverId: o.serverId, iface: fuzzClientInterface(), reconnect: false, reliable: o.reliable ?? false })
  const cap = o.samples ?? 200_000
  const latencies: number[] = []
  const errors: string[] = []
  const log: string[] = []
  let seen = 0
  let calls = 0
  let failures = 0
  let disconnects = 0
  let stopped = false
  client.on('disconnected', () => disconnects++)
  // the first connect: a failure is reported by the calls
  const ready = client.ready()
  ready.catch(() => {})
  const record = (ms: number) => {
    seen++
    if (latencies.length < cap) latencies.push(ms)
    else {
      const j = Math.floor(Math.random() * seen)
      if (j < cap) latencies[j] = ms
    }
  }
  const lane = async (k: number) => {
    let i = 0
    while (!stopped) {
      const t0 = performance.now()
      try {
        const n = i++ % 50
        if (n === 7) await client.call(fuzzApi.slow, 1)
        else if (n === 23) await client.call(fuzzApi.callBack, `back ${k}`)
        else {
          const text = `good ${k} ${i}`
          const echoed = await client.call(fuzzApi.echo, text)
          if (echoed !== text) throw new Error(`echo returned "${echoed}" for "${text}"`)
        }
        calls++
        record(performance.now() - t0)
      } catch (e) {
        calls++
        failures++
        const text = KiloError.isInstance(e) ? `${e.code}: ${e.message}` : String((e as Error)?.message ?? e)
        if (errors.length < 10) errors.push(text)
        if (log.length < 100_000) log.push(text)
        if (client.state === 'closed') break
      }
      if (o.pauseMs) await new Promise((r) => setTimeout(r, o.pauseMs))
    }
  }
  const lanes = ready.then(
    () => Promise.all(Array.from({ length: o.concurrency ?? 2 }, (_, k) => lane(k))),
    (e: unknown) => {
      failures++
      errors.push(`connect failed: ${(e as Error)?.message ?? e}`)
      log.push(`connect failed: ${(e as Error)?.message ?? e}`)
    },
  )
  const report = (): GoodClientReport => {
    const sorted = latencies.slice().sort((a, b) => a - b)
    const at = (q: number) => (sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 100) / 100 : null)
    return {
      calls,
      failures,
      errors: errors.slice(),
      disconnects,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      maxMs: sorted.length ? Math.round(sorted[sorted.length - 1]! * 100) / 100 : null,
    }
  }
  return {
    client,
    ready: () => ready,
    report,
    failures: () => log.slice(),
    async stop() {
      stopped = true
      await lanes
      // the server may see the close before the session ends: not a failure of the client
      await client.close()
      return report()
    },
  }
}
