/**
 * Kiloparsec over WebSocket against the floor: a plain `ws` binary echo (same library, same
 * loopback), server in a child process. Run: `pnpm bench` (about 40 s) or
 * `pnpm bench --quick` (a few seconds).
 */
import { fork } from 'node:child_process'
import { cpus } from 'node:os'
import { connectWs } from '@kp/transport-ws-client'
import WebSocket from 'ws'
import { cmdEcho } from './bench-server.js'
import { type BenchConn, callsPerSecond, connectionsPerSecond, type Latency, latency } from '../../../scripts/bench/measure.js'

const quick = process.argv.includes('--quick')
const MS = quick ? 400 : 4_000
const SMALL = new Uint8Array(32).fill(7)
const BIG = new Uint8Array(64 * 1024).fill(9)

const child = fork(new URL('./bench-server.ts', import.meta.url).pathname, [], {
  execArgv: ['--import', 'tsx', '--conditions=@kp/source'],
})
const ports = await new Promise<{ ws: number; kp: number; serverId: string }>((resolve) =>
  child.once('message', (m) => resolve(m as { ws: number; kp: number; serverId: string })),
)

/** A plain `ws` client over the echo: answers come back in order. */
async function openPlain(): Promise<BenchConn> {
  const ws = new WebSocket(`ws://127.0.0.1:${ports.ws}/`, { perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 })
  ws.binaryType = 'nodebuffer'
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  const waiting: ((f: Uint8Array) => void)[] = []
  let head = 0
  ws.on('message', (data: Buffer) => {
    const r = waiting[head++]!
    if (head > 1024) {
      waiting.splice(0, head)
      head = 0
    }
    r(data)
  })
  return {
    call: (payload) =>
      new Promise((resolve) => {
        waiting.push(resolve)
        ws.send(payload)
      }),
    close: () => ws.close(),
  }
}

/** Kiloparsec over WebSocket as a user sees it: `connectWs`, the server key pinned. */
async function openKp(): Promise<BenchConn> {
  const client = connectWs(`ws://127.0.0.1:${ports.kp}/kp`, { serverId: ports.serverId, reconnect: false })
  await client.ready()
  return { call: (payload) => client.call(cmdEcho, payload), close: () => void client.close() }
}

interface Row {
  latency: Latency
  pipelined: number
  mbps: number
  connPerSec: number
}
const systems = [
  { name: 'ws echo', open: openPlain },
  { name: 'kp (ws)', open: openKp },
]
const results = new Map<string, Row>()
for (const s of systems) {
  const conn = await s.open()
  await callsPerSecond(conn, SMALL, 10, MS / 4) // warm up
  const row: Row = {
    latency: await latency(conn, SMALL, MS),
    pipelined: await callsPerSecond(conn, SMALL, 100, MS),
    mbps: ((await callsPerSecond(conn, BIG, 8, MS)) * BIG.length) / 1e6,
    connPerSec: await connectionsPerSecond(s.open, SMALL, 8, MS),
  }
  conn.close()
  results.set(s.name, row)
  console.error(`${s.name}: done`)
}
child.disconnect()

const f = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
const base = results.get('ws echo')!
const ratio = (a: number, b: number) => `${f(a / b, 2)}×`
console.log(
  `\n@kp/transport-ws-server benchmark${quick ? ' (--quick)' : ''}: ${cpus()[0]?.model ?? '?'} × ${cpus().length}, Node ${process.version}, loopback, server in a child process`,
)
console.log(`payload ${SMALL.length} B (calls), ${BIG.length / 1024} KiB (throughput); ratios vs the plain ws echo\n`)
console.log(
  '| system | seq. latency median / p99 (µs) | pipelined calls/s (100 in flight) | 64 KiB echo MB/s (8 in flight) | new conn/s (connect+handshake+call, 8 parallel) |',
)
console.log('|---|---|---|---|---|')
for (const [name, r] of results) {
  const rel =
    name === 'ws echo'
      ? ['', '', '', '']
      : [
          ` (${ratio(r.latency.medianUs, base.latency.medianUs)})`,
          ` (${ratio(r.pipelined, base.pipelined)})`,
          ` (${ratio(r.mbps, base.mbps)})`,
          ` (${ratio(r.connPerSec, base.connPerSec)})`,
        ]
  console.log(
    `| ${name} | ${f(r.latency.medianUs)} / ${f(r.latency.p99Us)}${rel[0]} | ${f(r.pipelined)}${rel[1]} | ${f(r.mbps)}${rel[2]} | ${f(r.connPerSec)}${rel[3]} |`,
  )
}
process.exit(0)
