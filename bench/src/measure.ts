/**
 * The four measurements, the same for every system, over the {@link ClientAdapter} interface:
 * (a) sequential latency of a 16-byte string echo, (b) pipelined calls/s, (c) 64 KiB binary echo
 * throughput (one direction's bytes), (d) time from nothing to the first answered call on a fresh
 * connection. Each one is bounded by `timeoutMs` and reported as failed beyond it.
 */
import { median, quantile } from './stats.js'
import { type ServerRss, streamItems, streamMb, streamP99, streamRss } from './stream-measure.js'
import { mainThreadUs } from './thread-cpu.js'
import type { ClientAdapter, Conn, MeasureConfig, MeasureName, MeasureResult, ServerCpu } from './types.js'

/** The 16-byte string every small call sends. */
export const SMALL = 'kiloparsec-16B!!'

const now = () => performance.now()

/** Rejects with a timeout error when `p` has not settled within `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}

function check(got: string, what: string): void {
  if (got !== SMALL) throw new Error(`${what}: wrong echo ${JSON.stringify(got).slice(0, 40)}`)
}

/** `total` calls of `call`, at most `inFlight` at once. */
async function pipelined(total: number, inFlight: number, call: () => Promise<void>): Promise<void> {
  let issued = 0
  const worker = async () => {
    while (issued < total) {
      issued++
      await call()
    }
  }
  await Promise.all(Array.from({ length: Math.min(inFlight, total) }, worker))
}

async function latency(conn: Conn, n: number): Promise<MeasureResult> {
  const samples = new Array<number>(n)
  for (let i = 0; i < n; i++) {
    const t0 = now()
    const r = await conn.echo(SMALL)
    samples[i] = now() - t0
    check(r, 'latency')
  }
  return { name: 'latency', ok: true, medianUs: median(samples) * 1000, p99Us: quantile(samples, 0.99) * 1000 }
}

async function calls(conn: Conn, total: number, inFlight: number): Promise<MeasureResult> {
  const t0 = now()
  await pipelined(total, inFlight, async () => check(await conn.echo(SMALL), 'calls'))
  return { name: 'calls', ok: true, callsPerS: total / ((now() - t0) / 1000) }
}

async function bytes(conn: Conn, big: Uint8Array, total: number, inFlight: number): Promise<MeasureResult> {
  const t0 = now()
  await pipelined(total, inFlight, async () => {
    const r = await conn.echoBytes(big)
    if (r.length !== big.length || r[0] !== big[0] || r[r.length - 1] !== big[big.length - 1]) {
      throw new Error(`bytes: wrong echo (length ${r.length})`)
    }
  })
  return { name: 'bytes', ok: true, mbPerS: (total * big.length) / 1e6 / ((now() - t0) / 1000) }
}

async function connectOnce(adapter: ClientAdapter): Promise<number> {
  const t0 = now()
  const c = await adapter.connect()
  try {
    check(await c.echo(SMALL), 'connect')
    return now() - t0
  } finally {
    await c.close()
  }
}

async function connects(adapter: ClientAdapter, n: number): Promise<MeasureResult> {
  const samples: number[] = []
  for (let i = 0; i < n; i++) samples.push(await connectOnce(adapter))
  return { name: 'connect', ok: true, medianMs: median(samples), p99Ms: quantile(samples, 0.99) }
}

function failed(name: MeasureName, e: unknown): MeasureResult {
  return { name, ok: false, error: e instanceof Error ? e.message : String(e) }
}

/**
 * Runs the configured measurements in order (latency, calls, bytes, connect) after a warm-up,
 * handing each result to `report` as soon as it is known.
 */
export async function runMeasurements(
  adapter: ClientAdapter,
  cfg: MeasureConfig,
  report: (r: MeasureResult) => void,
  onWarm: () => Promise<void> = async () => {},
  serverCpu: () => Promise<ServerCpu | null> = async () => null,
  serverRss: ServerRss = async () => null,
): Promise<void> {
  const big = new Uint8Array(cfg.bigSize)
  for (let i = 0; i < big.length; i++) big[i] = (i * 131 + 7) & 0xff
  const want = new Set(cfg.measures)
  const t = cfg.timeoutMs

  let conn: Conn | null = null
  const fresh = async () => {
    if (conn) await withTimeout(Promise.resolve(conn.close()), 5_000, 'close').catch(() => {})
    conn = await withTimeout(adapter.connect(), t, 'connect')
    return conn
  }
  const main = async () => conn ?? (await fresh())

  // Warm-up: the same code paths as the measurements, not timed.
  try {
    await withTimeout(
      (async () => {
        const c = await main()
        for (let i = 0; i < cfg.warmupCalls / 4; i++) check(await c.echo(SMALL), 'warm-up')
        await pipelined(cfg.warmupCalls, cfg.inFlight, async () => check(await c.echo(SMALL), 'warm-up'))
        if (want.has('bytes')) await pipelined(Math.max(16, cfg.bigCalls / 10), cfg.bigInFlight, async () => void (await c.echoBytes(big)))
        if (want.has('connect')) for (let i = 0; i < 3; i++) await connectOnce(adapter)
        if (want.has('stream_items') && c.stream) await c.stream(Math.max(1000, cfg.streamItems / 20), cfg.streamItemSize, null)
        if (want.has('stream_mb') && c.stream) await c.stream(32, cfg.streamBigSize, null)
      })(),
      t,
      'warm-up',
    )
  } catch (e) {
    for (const m of cfg.measures) report(failed(m, e))
    return
  }
  await onWarm()

  const clientCpu = () => {
    const u = process.cpuUsage()
    return u.user + u.system
  }
  for (const m of cfg.measures) {
    try {
      const c = await main()
      const s0 = await serverCpu()
      const c0 = clientCpu()
      const m0 = mainThreadUs()
      let r: MeasureResult
      let ops: number
      if (m === 'latency') {
        r = await withTimeout(latency(c, cfg.latencyCalls), t, m)
        ops = cfg.latencyCalls
      } else if (m === 'calls') {
        r = await withTimeout(calls(c, cfg.pipelinedCalls, cfg.inFlight), t, m)
        ops = cfg.pipelinedCalls
      } else if (m === 'bytes') {
        r = await withTimeout(bytes(c, big, cfg.bigCalls, cfg.bigInFlight), t, m)
        ops = cfg.bigCalls
      } else if (m === 'connect') {
        r = await withTimeout(connects(adapter, cfg.connects), t, m)
        ops = cfg.connects
      } else if (m === 'stream_items') {
        r = await withTimeout(streamItems(c, cfg), t, m)
        ops = cfg.streamItems
      } else if (m === 'stream_mb') {
        r = await withTimeout(streamMb(c, cfg), t, m)
        ops = cfg.streamBigItems
      } else if (m === 'stream_rss') {
        r = await withTimeout(streamRss(c, cfg, serverRss), t * 3, m)
        ops = Math.ceil(cfg.rssBytes / cfg.streamBigSize)
      } else {
        r = await withTimeout(
          streamP99(c, cfg, async () => check(await c.echo(SMALL), m)),
          t,
          m,
        )
        ops = cfg.saturationCalls
      }
      const c1 = clientCpu()
      const m1 = mainThreadUs()
      const s1 = await serverCpu()
      if (r.ok && s0 !== null && s1 !== null) {
        r.cpu = { clientUs: (c1 - c0) / ops, serverUs: (s1.us - s0.us) / ops }
        if (m0 !== null && m1 !== null && s0.mainUs !== null && s1.mainUs !== null) {
          r.cpu.clientMainUs = (m1 - m0) / ops
          r.cpu.serverMainUs = (s1.mainUs - s0.mainUs) / ops
        }
      }
      report(r)
    } catch (e) {
      report(failed(m, e))
      // the main connection may be stuck: the next measurement gets a fresh one
      const stale: Conn | null = conn
      conn = null
      if (stale) void withTimeout(Promise.resolve((stale as Conn).close()), 2_000, 'close').catch(() => {})
    }
  }
  if (conn) await withTimeout(Promise.resolve((conn as Conn).close()), 5_000, 'close').catch(() => {})
}
