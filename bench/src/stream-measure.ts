/**
 * The four stream measurements, for systems whose adapter has `stream()`: (a) items/s of a stream
 * of small items read as fast as possible, (b) MB/s of a stream of 64 KiB items, (c) the growth
 * of resident memory, client and server, while a large stream feeds a slow reader, (d) the
 * latency of small calls made while a stream saturates the same connection.
 */
import { median, quantile } from './stats.js'
import type { Conn, MeasureConfig, MeasureResult } from './types.js'

const now = () => performance.now()
const MiB = 1024 * 1024
/** A stream whose reader or server grows past this is stopped (a system without backpressure). */
const RSS_LIMIT = 1024 * MiB

/** The server's resident memory: `reset` restarts its peak sampler. Null when it does not answer. */
export type ServerRss = (reset: boolean) => Promise<{ rss: number; peak: number } | null>

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

function streamOf(conn: Conn): NonNullable<Conn['stream']> {
  if (!conn.stream) throw new Error('this system has no streams')
  return conn.stream.bind(conn)
}

export async function streamItems(conn: Conn, cfg: MeasureConfig): Promise<MeasureResult> {
  const t0 = now()
  const n = await streamOf(conn)(cfg.streamItems, cfg.streamItemSize, null)
  if (n !== cfg.streamItems) throw new Error(`stream_items: ${n} of ${cfg.streamItems} items arrived`)
  return { name: 'stream_items', ok: true, itemsPerS: n / ((now() - t0) / 1000) }
}

export async function streamMb(conn: Conn, cfg: MeasureConfig): Promise<MeasureResult> {
  const t0 = now()
  let bytes = 0
  const n = await streamOf(conn)(cfg.streamBigItems, cfg.streamBigSize, (b) => {
    bytes += b.length
  })
  if (n !== cfg.streamBigItems || bytes !== n * cfg.streamBigSize) throw new Error(`stream_mb: ${n} of ${cfg.streamBigItems} items (${bytes} bytes) arrived`)
  return { name: 'stream_mb', ok: true, mbPerS: bytes / 1e6 / ((now() - t0) / 1000) }
}

export async function streamRss(conn: Conn, cfg: MeasureConfig, serverRss: ServerRss): Promise<MeasureResult> {
  const items = Math.ceil(cfg.rssBytes / cfg.streamBigSize)
  await sleep(200) // let the previous measurement's garbage settle
  const base = process.memoryUsage.rss()
  const s0 = await serverRss(true)
  let peak = base
  let serverPeak = s0?.rss ?? 0
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage.rss())
  }
  const sampler = setInterval(sample, 20)
  const ac = new AbortController()
  let stopped = ''
  let read = 0
  const t0 = now()
  try {
    await streamOf(conn)(
      items,
      cfg.streamBigSize,
      async () => {
        read++
        if (read % 64 === 0) {
          sample()
          if (peak - base > RSS_LIMIT) {
            stopped = 'client'
            ac.abort()
          }
          if (s0) {
            serverRss(false).then(
              (r) => {
                if (!r) return
                serverPeak = Math.max(serverPeak, r.peak)
                if (r.peak - s0.rss > RSS_LIMIT && !stopped) {
                  stopped = 'server'
                  ac.abort()
                }
              },
              () => {},
            )
          }
        }
        if (read % cfg.slowEvery === 0) await sleep(1) // the slow reader
      },
      ac.signal,
    )
  } catch (e) {
    if (!stopped) throw e
  } finally {
    clearInterval(sampler)
  }
  sample()
  const s1 = await serverRss(false)
  if (s1) serverPeak = Math.max(serverPeak, s1.peak)
  const seconds = (now() - t0) / 1000
  if (!stopped && read !== items) throw new Error(`stream_rss: ${read} of ${items} items arrived`)
  return {
    name: 'stream_rss',
    ok: true,
    clientMiB: (peak - base) / MiB,
    serverMiB: s0 ? (serverPeak - s0.rss) / MiB : null,
    seconds,
    ...(stopped ? { stoppedBy: stopped } : {}),
  }
}

export async function streamP99(conn: Conn, cfg: MeasureConfig, echo: () => Promise<void>): Promise<MeasureResult> {
  const ac = new AbortController()
  let bytes = 0
  const reading = streamOf(conn)(
    0,
    cfg.streamBigSize,
    (b) => {
      bytes += b.length
    },
    ac.signal,
  ).catch((e) => (ac.signal.aborted ? 0 : Promise.reject(e)))
  const started = now()
  while (bytes < 8 * MiB) {
    if (now() - started > 10_000) throw new Error('stream_p99: the stream did not start')
    await sleep(1)
  }
  const samples: number[] = []
  const b0 = bytes
  const t0 = now()
  for (let i = 0; i < cfg.saturationCalls; i++) {
    const t = now()
    await echo()
    samples.push(now() - t)
  }
  const mbPerS = (bytes - b0) / 1e6 / ((now() - t0) / 1000)
  ac.abort()
  await reading
  if (mbPerS < 1) throw new Error(`stream_p99: the stream did not saturate the connection (${mbPerS.toFixed(2)} MB/s)`)
  return { name: 'stream_p99', ok: true, medianUs: median(samples) * 1000, p99Us: quantile(samples, 0.99) * 1000, streamMbPerS: mbPerS }
}
