/**
 * Kiloparsec over UDP next to the floor, a plain `node:dgram` echo and sink, in one run; the
 * server in a child process. Run: `pnpm bench` (about 25 s) or `pnpm bench --quick` (about 3 s).
 */
import { fork } from 'node:child_process'
import { createSocket, type Socket } from 'node:dgram'
import { cpus } from 'node:os'
import type { KiloClient } from '@kp/core'
import { connectUdp } from '../src/index.js'
import { cmdEcho, cmdNote, cmdNotes, SINK_REPORT } from './bench-server.js'

const quick = process.argv.includes('--quick')
const MS = quick ? 300 : 3_000
const PAYLOAD = new Uint8Array(32).fill(7) // a small command argument
const IN_FLIGHT = 64
const BURST = 64 // messages sent per event-loop turn in the push test
const WINDOW = 16 // turns of pushes between two round trips
const now = () => performance.now()
const turn = () => new Promise<void>((r) => setImmediate(r))

const child = fork(new URL('./bench-server.ts', import.meta.url).pathname)
const ports = await new Promise<{ echo: number; sink: number; kp: number; serverId: string }>((r) => child.once('message', (m) => r(m as never)))

interface Conn {
  call(): Promise<unknown>
  /** Sends BURST one-way messages. */
  burst(): void
  /** Resolves with how many one-way messages arrived since the last report. */
  report(): Promise<number>
  close(): void
}

/** The floor: a `dgram` socket connected to the echo (calls) and one to the sink (one-way). */
async function dgramConn(): Promise<Conn> {
  const open = async (port: number) => {
    const s = createSocket('udp4')
    await new Promise<void>((r) => s.connect(port, '127.0.0.1', r))
    s.setRecvBufferSize(4 * 1024 * 1024)
    return s
  }
  const echo: Socket = await open(ports.echo)
  const sink: Socket = await open(ports.sink)
  // an id per request so answers match calls; a sweep resolves calls whose datagram was lost
  const waiting = new Map<number, { resolve: () => void; at: number }>()
  let next = 0
  echo.on('message', (m) => {
    const id = m.readUInt32BE(0)
    const w = waiting.get(id)
    if (w) {
      waiting.delete(id)
      w.resolve()
    }
  })
  const sweep = setInterval(() => {
    const old = now() - 1000
    for (const [id, w] of waiting) if (w.at < old) waiting.delete(id) && w.resolve()
  }, 250)
  let reported: ((n: number) => void) | null = null
  sink.on('message', (m) => reported?.(m.readUInt32BE(0)))
  const msg = Buffer.alloc(4 + PAYLOAD.length)
  return {
    call: () =>
      new Promise<void>((resolve) => {
        const id = next++ >>> 0
        const b = Buffer.allocUnsafe(msg.length)
        b.writeUInt32BE(id, 0)
        b.set(PAYLOAD, 4)
        waiting.set(id, { resolve, at: now() })
        echo.send(b)
      }),
    burst() {
      for (let i = 0; i < BURST; i++) sink.send(msg)
    },
    report: () =>
      new Promise<number>((resolve) => {
        reported = resolve
        sink.send(Buffer.of(SINK_REPORT))
      }),
    close() {
      clearInterval(sweep)
      echo.close()
      sink.close()
    },
  }
}

async function kpConn(): Promise<Conn & { client: KiloClient }> {
  const client = connectUdp({ host: '127.0.0.1', port: ports.kp, serverId: ports.serverId, reconnect: false, callTimeoutMs: 1000 })
  await client.ready()
  return {
    client,
    call: () => client.call(cmdEcho, PAYLOAD).catch(() => undefined),
    burst() {
      for (let i = 0; i < BURST; i++) client.push(cmdNote, PAYLOAD)
    },
    report: () => client.call(cmdNotes, undefined),
    close: () => void client.close(),
  }
}

async function callsPerSecond(c: Conn, inFlight: number, ms: number): Promise<number> {
  let done = 0
  const t0 = now()
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (now() - t0 < ms) {
        await c.call()
        done++
      }
    }),
  )
  return done / ((now() - t0) / 1000)
}

/**
 * One-way messages delivered per second. UDP has no flow control: a sender that outruns the
 * receiver loses datagrams in the receiver's socket buffer. So the sender is paced like an app
 * would be: WINDOW bursts, then one round trip (the receiver's count, which also arrives after
 * everything sent before it). Also returns the share delivered.
 */
async function pushesPerSecond(c: Conn, ms: number): Promise<{ rate: number; delivered: number }> {
  await c.report() // reset
  let sent = 0
  let got = 0
  const t0 = now()
  while (now() - t0 < ms) {
    for (let i = 0; i < WINDOW; i++) {
      c.burst()
      sent += BURST
      await turn()
    }
    got += await c.report()
  }
  return { rate: got / ((now() - t0) / 1000), delivered: got / sent }
}

async function handshakesPerSecond(concurrency: number, ms: number): Promise<number> {
  let done = 0
  const t0 = now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (now() - t0 < ms) {
        const c = await kpConn()
        await c.client.close()
        done++
      }
    }),
  )
  return done / ((now() - t0) / 1000)
}

const systems = { dgram: await dgramConn(), kp: await kpConn() }
type Row = { seq: number; pipelined: number; pushes: { rate: number; delivered: number } }
const rows: Partial<Record<keyof typeof systems, Row>> = {}
for (const [name, c] of Object.entries(systems) as [keyof typeof systems, Conn][]) {
  await callsPerSecond(c, 8, MS / 2) // warm up
  await callsPerSecond(c, 1, MS / 4)
  rows[name] = { seq: await callsPerSecond(c, 1, MS), pipelined: await callsPerSecond(c, IN_FLIGHT, MS), pushes: await pushesPerSecond(c, MS) }
  console.error(`${name}: done`)
}
const handshakes = await handshakesPerSecond(8, MS)
for (const c of Object.values(systems)) c.close()
child.disconnect()

const f = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
const d = rows.dgram!
const k = rows.kp!
const r = (a: number, b: number) => `${f(a / b, 2)}×`
console.log(
  `\n@kp/transport-udp benchmark${quick ? ' (--quick)' : ''}: ${cpus()[0]?.model ?? '?'} × ${cpus().length}, Node ${process.version}, loopback, server in a child process`,
)
console.log(`payload ${PAYLOAD.length} B; ratio = kp / plain dgram\n`)
console.log('| measure | plain dgram | kp over UDP | ratio |')
console.log('|---|---|---|---|')
console.log(`| calls/s, 1 in flight (round trips) | ${f(d.seq)} | ${f(k.seq)} | ${r(k.seq, d.seq)} |`)
console.log(`| calls/s, ${IN_FLIGHT} in flight | ${f(d.pipelined)} | ${f(k.pipelined)} | ${r(k.pipelined, d.pipelined)} |`)
console.log(
  `| pushes/s delivered (${BURST} per turn, a round trip every ${BURST * WINDOW}; kp coalesces a turn into one datagram) | ${f(d.pushes.rate)} (${f(d.pushes.delivered * 100, 1)}% delivered) | ${f(k.pushes.rate)} (${f(k.pushes.delivered * 100, 1)}%) | ${r(k.pushes.rate, d.pushes.rate)} |`,
)
console.log(`| handshakes/s (connect + READY + close, 8 in parallel) | – | ${f(handshakes)} | |`)
