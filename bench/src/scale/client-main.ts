/**
 * Scale client child: `client-main.ts <system> <index> <server info JSON>`. Opens sessions, makes
 * calls at a fixed rate per session, records broadcast arrivals, as the orchestrator asks.
 */
import { epochMs, reply, serveRequests, sleep } from './child.js'
import { record } from './histogram.js'
import type { ConnectReport, Histogram, LoadReport, PushReport, ScaleClientModule, ScaleConn, ScaleInfo } from './types.js'

const [system, , infoJson] = process.argv.slice(2)
const info = JSON.parse(infoJson!) as ScaleInfo
const mod = (await import(`./systems/${system}/client.js`)) as ScaleClientModule

const conns: ScaleConn[] = []
/** Broadcasts received: seq → [count, first, last arrival]. */
const pushes = new Map<number, [number, number, number]>()
const onPush = (seq: number) => {
  const now = epochMs()
  const p = pushes.get(seq)
  if (p) {
    p[0]++
    p[2] = now
  } else pushes.set(seq, [1, now, now])
}

/** Opens `count` sessions, `concurrency` at a time, round-robin over `addresses`; retries refused ones. */
async function connect(arg: { count: number; addresses: string[]; concurrency: number; deadlineMs: number }): Promise<ConnectReport> {
  const t0 = performance.now()
  const deadline = t0 + arg.deadlineMs
  let next = 0
  let failed = 0
  let retries = 0
  const errors: string[] = []
  const worker = async () => {
    for (let i = next++; i < arg.count; i = next++) {
      const localAddress = arg.addresses[i % arg.addresses.length]!
      for (let attempt = 0; ; attempt++) {
        try {
          conns.push(await mod.connect(info, { localAddress, onPush }))
          break
        } catch (e) {
          const msg = (e as Error)?.message ?? String(e)
          if (performance.now() > deadline || attempt >= 20) {
            failed++
            if (errors.length < 5) errors.push(msg)
            break
          }
          retries++
          if (errors.length < 5 && retries % 100 === 1) errors.push(`(retried) ${msg}`)
          await sleep(50 + Math.random() * 200 * (attempt + 1))
        }
      }
    }
  }
  await Promise.all(Array.from({ length: arg.concurrency }, worker))
  return { ok: conns.length, failed, retries, ms: performance.now() - t0, errors }
}

/**
 * Every session calls once per `periodMs`, spread evenly over the period, from `startAt` (epoch
 * ms) for `warmupMs + durationMs`; only calls started after the warm-up count.
 */
async function load(arg: { startAt: number; warmupMs: number; durationMs: number; periodMs: number }): Promise<LoadReport> {
  const n = conns.length
  const hist: Histogram = {}
  let calls = 0
  let errors = 0
  let lateStarts = 0
  const errorSample: string[] = []
  const inFlight = new Set<Promise<void>>()
  const measureFrom = arg.startAt + arg.warmupMs
  const end = measureFrom + arg.durationMs
  await sleep(Math.max(0, arg.startAt - epochMs()))
  // slot k (0, 1, 2...) is session k % n at startAt + k * periodMs / n (plus this process's offset)
  const step = arg.periodMs / Math.max(1, n)
  const offset = Math.random() * step
  let k = 0
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = epochMs()
      for (;;) {
        const due = arg.startAt + offset + k * step
        if (due > now || due >= end) break
        const conn = conns[k % n]!
        k++
        const counted = due >= measureFrom
        if (counted && now - due > 100) lateStarts++
        const t = performance.now()
        const p = conn.call().then(
          () => {
            if (counted) {
              calls++
              record(hist, performance.now() - t)
            }
          },
          (e) => {
            if (!counted) return
            errors++
            if (errorSample.length < 5) errorSample.push((e as Error)?.message ?? String(e))
          },
        )
        inFlight.add(p)
        void p.finally(() => inFlight.delete(p))
      }
      if (now >= end) resolve()
      else setTimeout(tick, 2)
    }
    tick()
  })
  // calls still answering (bounded by their timeout)
  await Promise.race([Promise.all(inFlight), sleep(15_000)])
  return { calls, errors, errorSample, hist, lateStarts }
}

serveRequests({
  connect,
  load,
  pushes(seq: number): PushReport {
    const p = pushes.get(seq)
    return p ? { count: p[0], firstAt: p[1], lastAt: p[2] } : { count: 0, firstAt: 0, lastAt: 0 }
  },
  sessions: () => conns.length,
  async close() {
    for (const c of conns) {
      try {
        c.close()
      } catch {
        // closing is best effort
      }
    }
    await sleep(500)
    setTimeout(() => process.exit(0), 100)
    return true
  },
})
await reply({ id: 0, ok: true, value: { pid: process.pid } })
