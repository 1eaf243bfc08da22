/**
 * Kiloparsec over TCP against the floor: a plain `node:net` frame echo and a `node:tls` TLS 1.3
 * echo (same framing), server in a child process. Run: `pnpm bench` (about 1 min) or
 * `pnpm bench --quick` (a few seconds).
 */
import { fork } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { cpus } from 'node:os'
import { type BenchConn, openNetEcho, openTlsEcho } from './echo.js'
import { callsPerSecond, connectionsPerSecond, type Latency, latency, wireBytes } from '../../../scripts/bench/measure.js'
import { makeSelfSignedCert } from '../../../scripts/test/self-signed-cert.js'

const quick = process.argv.includes('--quick')
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',')
const MS = quick ? 400 : 1_200
const SMALL = new Uint8Array(32).fill(7)
const BIG = new Uint8Array(64 * 1024).fill(9)

// A self-signed P-256 certificate the TLS client pins with `ca`.
const { dir: certDir, certFile } = makeSelfSignedCert({ prefix: 'kp-bench-', key: 'p256', days: 1 })
const ca = readFileSync(certFile, 'utf8')

const wantKp = !only || only.includes('kp')
const child = fork(new URL('./bench-server.ts', import.meta.url).pathname, [certDir, wantKp ? 'kp' : ''])
const ports = await new Promise<Record<string, any>>((resolve) => child.once('message', (m) => resolve(m as Record<string, any>)))

interface System {
  name: string
  open: () => Promise<BenchConn>
  /** A connection whose wire bytes can be counted (the same thing, built by hand where needed). */
  openCounted?: () => Promise<BenchConn>
}
const systems: System[] = [
  { name: 'net echo', open: () => openNetEcho(ports.net) },
  { name: 'tls1.3 echo', open: () => openTlsEcho(ports.tls, ca) },
]
if (wantKp) systems.push(...(await import('./kp-client.js')).kpSystems(ports as { kp: number; serverId: string }))

interface Row {
  latency: Latency
  pipelined: number
  mbps: number
  connPerSec: number
  wire: { setup: number; perCall: number }
}
// Systems take turns, ROUNDS times per measure, and each keeps its median round: the machine's
// load drifts during a run, and this keeps the drift out of the ratios.
const ROUNDS = quick ? 1 : 3
const active = systems.filter((s) => !only || only.some((o) => s.name.startsWith(o)))
const conns = await Promise.all(active.map((s) => s.open()))
for (const c of conns) await callsPerSecond(c, SMALL, 10, MS / 4) // warm up
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!
async function rounds(measure: (i: number) => Promise<number>): Promise<number[]> {
  const samples: number[][] = active.map(() => [])
  for (let r = 0; r < ROUNDS; r++) for (let i = 0; i < active.length; i++) samples[i]!.push(await measure(i))
  return samples.map(median)
}
const lat: Latency[][] = active.map(() => [])
for (let r = 0; r < ROUNDS; r++) for (let i = 0; i < active.length; i++) lat[i]!.push(await latency(conns[i]!, SMALL, MS))
const pipelined = await rounds((i) => callsPerSecond(conns[i]!, SMALL, 100, MS))
const mbps = await rounds(async (i) => ((await callsPerSecond(conns[i]!, BIG, 8, MS)) * BIG.length) / 1e6)
const connPerSec = await rounds((i) => connectionsPerSecond(active[i]!.open, SMALL, 8, MS))
const results = new Map<string, Row>()
for (let i = 0; i < active.length; i++) {
  const s = active[i]!
  conns[i]!.close()
  results.set(s.name, {
    latency: { medianUs: median(lat[i]!.map((l) => l.medianUs)), p99Us: median(lat[i]!.map((l) => l.p99Us)) },
    pipelined: pipelined[i]!,
    mbps: mbps[i]!,
    connPerSec: connPerSec[i]!,
    wire: await wireBytes(s.openCounted ?? s.open, SMALL, quick ? 100 : 1000),
  })
}
child.disconnect()
rmSync(certDir, { recursive: true, force: true })

const f = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
const net = results.get('net echo')
const tls = results.get('tls1.3 echo')
const ratio = (a: number, b: number | undefined) => (b ? `${f(a / b, 2)}×` : '')
console.log(
  `\n@kp/transport-tcp benchmark${quick ? ' (--quick)' : ''}: ${cpus()[0]?.model ?? '?'} × ${cpus().length}, Node ${process.version}, loopback, server in a child process`,
)
console.log(`payload ${SMALL.length} B (calls), ${BIG.length / 1024} KiB (throughput); ratios: vs net echo / vs TLS echo\n`)
console.log(
  '| system | seq. latency median / p99 (µs) | pipelined calls/s (100 in flight) | 64 KiB echo MB/s (8 in flight) | new conn/s (connect+handshake+call, 8 parallel) | wire bytes: setup / per call |',
)
console.log('|---|---|---|---|---|---|')
for (const [name, r] of results) {
  console.log(
    `| ${name} | ${f(r.latency.medianUs)} / ${f(r.latency.p99Us)} (${ratio(r.latency.medianUs, net?.latency.medianUs)} / ${ratio(r.latency.medianUs, tls?.latency.medianUs)}) ` +
      `| ${f(r.pipelined)} (${ratio(r.pipelined, net?.pipelined)} / ${ratio(r.pipelined, tls?.pipelined)}) ` +
      `| ${f(r.mbps)} (${ratio(r.mbps, net?.mbps)} / ${ratio(r.mbps, tls?.mbps)}) ` +
      `| ${f(r.connPerSec)} (${ratio(r.connPerSec, net?.connPerSec)} / ${ratio(r.connPerSec, tls?.connPerSec)}) ` +
      `| ${f(r.wire.setup)} / ${f(r.wire.perCall, 1)} |`,
  )
}
