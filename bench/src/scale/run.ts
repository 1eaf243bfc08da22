/**
 * The scale benchmark: `pnpm bench:scale [--sessions 10000,50000] [--only a,b] [--quick]`.
 *
 * For each session count and system: one server process, `--clients` client processes (each
 * with its own loopback source addresses, 127.0.0.2, 127.0.0.3..., so that no address runs out
 * of ephemeral ports), every session one authenticated connection. Measured in the server
 * process: setup time, RSS per idle session, idle CPU per session, broadcast to all sessions,
 * and server CPU per call and latency when every session calls once a second. Prints the table
 * and writes `results/scale-latest.json` (a run without --quick/--only) or `results/scale-partial.json`.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, release, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { merge, quantileOf } from './histogram.js'
import type { ConnectReport, Histogram, LoadReport, PushReport, Reply } from './types.js'
import { Children } from '../../../scripts/bench/children.js'

const HERE = fileURLToPath(new URL('.', import.meta.url))
const BENCH_DIR = join(HERE, '..', '..')
const RESULTS = join(BENCH_DIR, 'results')

/** The systems; `fdPerSession`: open files the server needs per session (UDP shares one socket). */
export const SCALE_SYSTEMS = [
  { name: 'kp-tcp', what: 'Kiloparsec over TCP, server key pinned', fdPerSession: 1 },
  { name: 'kp-ws', what: 'Kiloparsec over WebSocket (ws://, end-to-end encrypted), key pinned', fdPerSession: 1 },
  { name: 'kp-udp', what: 'Kiloparsec over UDP, key pinned', fdPerSession: 0 },
  { name: 'secretstream', what: '@hyperswarm/secret-stream + protomux-rpc over TCP, keep-alive 10 s', fdPerSession: 1 },
  { name: 'socketio', what: 'socket.io 4, WebSocket transport, ws:// (no TLS), its defaults (ping 25 s)', fdPerSession: 1 },
  { name: 'ws', what: 'plain ws, no crypto, no RPC, no pings (the floor)', fdPerSession: 1 },
] as const

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    sessions: { type: 'string' },
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    clients: { type: 'string' },
    'idle-s': { type: 'string' },
    'load-s': { type: 'string' },
    broadcasts: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    rate: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
})

if (args.help) {
  console.log(`pnpm bench:scale [--sessions 10000,50000] [--only name,name] [--quick] [--clients 4]
  --sessions   session counts, one table row per system each (default 10000,50000; --quick 2000)
  --only       systems: ${SCALE_SYSTEMS.map((s) => s.name).join(', ')}
  --quick      a fast check: 2 000 sessions, 10 s idle window, 10 s of calls
  --clients    client processes (default 4)
  --idle-s     idle window, s (default 60; --quick 10)
  --load-s     measured seconds of 1 call/s per session, after 5 s of warm-up (default 20; --quick 10)
  --broadcasts broadcasts to all sessions, the median is shown (default 3)
  --rate r     calls per second per session in the load phase (default 1; e.g. 0.1 on a machine too
               busy to give the server the CPU that 1 call/s at 10 000 sessions needs)
  --cpu-prof   V8 CPU profiles of the server during the idle window and the calls, in
               results/profiles/scale-<system>-<sessions>-<idle|load>.cpuprofile (see src/profile-summary.ts)`)
  process.exit(0)
}

const int = (v: string | undefined, fallback: number, name: string, min: number, max: number) => {
  if (v === undefined) return fallback
  const n = Number(v)
  if (!Number.isInteger(n) || n < min || n > max) throw new RangeError(`"--${name}" expected an integer ${min}..${max}, got ${v}`)
  return n
}
const sessionCounts = (args.sessions ?? (args.quick ? '2000' : '10000,50000')).split(',').map((s) => int(s.trim(), 0, 'sessions', 1, 200_000))
const onlyNames = args.only
  ?.split(',')
  .map((s) => s.trim())
  .filter(Boolean)
for (const n of onlyNames ?? []) if (!SCALE_SYSTEMS.some((s) => s.name === n)) throw new TypeError(`unknown system "${n}"`)
const systems = SCALE_SYSTEMS.filter((s) => !onlyNames || onlyNames.includes(s.name))
const clientCount = int(args.clients, 4, 'clients', 1, 32)
const idleS = int(args['idle-s'], args.quick ? 10 : 60, 'idle-s', 1, 3600)
const loadS = int(args['load-s'], args.quick ? 10 : 20, 'load-s', 1, 3600)
const broadcasts = int(args.broadcasts, 3, 'broadcasts', 1, 20)
const rate = args.rate === undefined ? 1 : Number(args.rate)
if (!(rate > 0 && rate <= 100)) throw new RangeError(`"--rate" expected a number in (0, 100], got ${args.rate}`)
const WARMUP_MS = 5_000
const full = !args.quick && !onlyNames && args.sessions === undefined && args.rate === undefined

// ---------------------------------------------------------------- child processes

const children = new Children()
/** Type stripping only (see ts-register.mjs: tsx's keepNames adds about 8 KiB per session). */
const loader = join(HERE, 'ts-register.mjs')

/** The highest open-files limit a child shell can set: the hard limit, or `want` where raising the hard limit works (root with CAP_SYS_RESOURCE). */
function fdCeiling(want: number): number {
  const sh = (cmd: string) => execFileSync('/bin/sh', ['-c', cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  try {
    if (sh(`ulimit -n ${want} && ulimit -n`) === String(want)) return want
  } catch {
    // not allowed: the hard limit is the ceiling
  }
  const hard = sh('ulimit -Hn')
  return hard === 'unlimited' ? want : Number(hard)
}

interface Child {
  proc: ChildProcess
  ready: Promise<unknown>
  request<T>(op: string, arg?: unknown, timeoutMs?: number): Promise<T>
  output(): string
}

/** Starts `script` under `sh -c 'ulimit -n <fds>; exec node ...'` with an IPC channel. */
function startChild(script: string, childArgs: string[], fds: number): Child {
  const node = [process.execPath, '--import', loader, '--conditions=@kp/source', '--expose-gc', '--max-old-space-size=8192', join(HERE, script), ...childArgs]
  const shell = `ulimit -n ${fds} 2>/dev/null || echo "scale: cannot set the open-files limit to ${fds}" >&2; exec "$@"`
  const proc = spawn('/bin/sh', ['-c', shell, 'sh', ...node], {
    cwd: BENCH_DIR,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, NODE_ENV: 'production' },
  })
  proc.on('error', (e) => console.error(`scale: cannot start ${script}: ${e.message}`))
  children.track(proc)
  let out = ''
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-4000)
  }
  proc.stdout!.on('data', keep)
  proc.stderr!.on('data', (b: Buffer) => {
    keep(b)
    process.stderr.write(b)
  })
  const waiting = new Map<number, (r: Reply) => void>()
  let nextId = 1
  let exited: string | null = null
  proc.on('message', (m: Reply) => waiting.get(m.id)?.(m))
  proc.once('exit', (code, signal) => {
    exited = `exited (${signal ?? code})`
    for (const w of waiting.values()) w({ id: -1, ok: false, error: `child ${exited}: ${out.slice(-1500)}` })
  })
  const wait = (id: number, timeoutMs: number) =>
    new Promise<unknown>((resolve, reject) => {
      if (exited) return reject(new Error(`child ${exited}: ${out.slice(-1500)}`))
      const timer = setTimeout(() => {
        waiting.delete(id)
        reject(new Error(`no answer within ${timeoutMs} ms`))
      }, timeoutMs)
      waiting.set(id, (r) => {
        clearTimeout(timer)
        waiting.delete(id)
        if (r.ok) resolve(r.value)
        else reject(new Error(r.error))
      })
    })
  return {
    proc,
    ready: wait(0, 120_000),
    request<T>(op: string, arg?: unknown, timeoutMs = 60_000) {
      const id = nextId++
      const p = wait(id, timeoutMs) as Promise<T>
      proc.send({ id, op, arg })
      return p
    },
    output: () => out,
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

// ---------------------------------------------------------------- one row

interface Row {
  system: string
  sessions: number
  ok: boolean
  error?: string
  established?: number
  connectFailed?: number
  connectRetries?: number
  setupS?: number
  rssPerSessionKiB?: number
  heapPerSessionKiB?: number
  idleUsPerSessionS?: number
  /** CPU of the server process before any client connected, µs per s (subtracted from the idle figure). */
  baselineUsPerS?: number
  /** Load average (1 min) of the machine when the row ended: other work on the machine moves wall-clock figures. */
  loadAverage?: number
  idleElu?: number
  broadcastMs?: number
  broadcastQueuedMs?: number
  broadcastCpuMs?: number
  broadcastReceived?: number
  callsPerS?: number
  cpuPerCallUs?: number
  /** `cpuPerCallUs` less the idle CPU of the same sessions over the same window. */
  cpuPerCallNetUs?: number
  loadElu?: number
  p50Ms?: number
  p99Ms?: number
  callErrors?: number
  lateStarts?: number
  errorSample?: string[]
  serverStats?: Record<string, number>
  /** Datagrams the kernel dropped during the idle window (datagram systems). */
  idleKernelDrops?: number
}

interface Cpu {
  us: number
  at: number
  active: number
  idle: number
}
const elu = (a: Cpu, b: Cpu) => (b.active - a.active) / (b.active - a.active + b.idle - a.idle)

async function runRow(spec: (typeof SCALE_SYSTEMS)[number], sessions: number): Promise<Row> {
  const system = spec.name
  const row: Row = { system, sessions, ok: false }
  const serverFds = sessions * spec.fdPerSession + 1024
  if (serverFds > fdLimit) {
    row.error = `skipped: the server needs about ${serverFds} open files and this machine allows ${fdLimit} (ulimit -Hn; raising it needs CAP_SYS_RESOURCE)`
    console.error(`  ${system} ${sessions}: ${row.error}`)
    return row
  }
  // enough client processes that each stays under the open-files limit
  const clientProcs = Math.max(clientCount, Math.ceil(sessions / (fdLimit - 1024)))
  const server = startChild('server-main.ts', [system, String(sessions)], Math.min(fdLimit, serverFds + 4096))
  const clients: Child[] = []
  try {
    const info = await server.ready
    const mem0 = await server.request<NodeJS.MemoryUsage>('mem')
    // the empty process's own idle CPU (GC, timers of the runtime), subtracted from the idle figure
    const b0 = await server.request<Cpu>('cpu')
    await sleep(args.quick ? 2_000 : 5_000)
    const b1 = await server.request<Cpu>('cpu')
    row.baselineUsPerS = (b1.us - b0.us) / ((b1.at - b0.at) / 1000)
    for (let i = 0; i < clientProcs; i++) clients.push(startChild('client-main.ts', [system, String(i), JSON.stringify(info)], fdLimit))
    await Promise.all(clients.map((c) => c.ready))

    // setup: every session opened and one call answered
    const perAddress = 12_000
    const addressesPerClient = Math.max(2, Math.ceil(sessions / clientProcs / perAddress))
    const t0 = performance.now()
    const reports = await Promise.all(
      clients.map((c, i) => {
        const count = Math.floor(sessions / clientProcs) + (i < sessions % clientProcs ? 1 : 0)
        const addresses = Array.from({ length: addressesPerClient }, (_, j) => `127.0.0.${2 + i * addressesPerClient + j}`)
        return c.request<ConnectReport>('connect', { count, addresses, concurrency: 32, deadlineMs: 300_000 }, 400_000)
      }),
    )
    row.setupS = (performance.now() - t0) / 1000
    row.connectFailed = reports.reduce((a, r) => a + r.failed, 0)
    row.connectRetries = reports.reduce((a, r) => a + r.retries, 0)
    const errs = reports.flatMap((r) => r.errors)
    if (errs.length) row.errorSample = errs.slice(0, 5)
    await sleep(args.quick ? 2_000 : 5_000)
    const established = await server.request<number>('sessions')
    row.established = established
    console.error(`  ${system} ${sessions}: ${established} sessions in ${row.setupS.toFixed(1)} s (${row.connectFailed} failed, ${row.connectRetries} retries)`)
    if (established === 0) throw new Error(`no session established: ${errs.join('; ')}`)

    // idle
    const mem1 = await server.request<NodeJS.MemoryUsage>('mem')
    row.rssPerSessionKiB = (mem1.rss - mem0.rss) / established / 1024
    row.heapPerSessionKiB = (mem1.heapUsed + mem1.external - mem0.heapUsed - mem0.external) / established / 1024
    const profile = (phase: string) => join(RESULTS, 'profiles', `scale-${system}-${sessions}-${phase}.cpuprofile`)
    if (args['cpu-prof']) {
      mkdirSync(join(RESULTS, 'profiles'), { recursive: true })
      await server.request('profile-start')
    }
    const s0 = await server.request<Record<string, number>>('stats')
    const c0 = await server.request<Cpu>('cpu')
    await sleep(idleS * 1000)
    const c1 = await server.request<Cpu>('cpu')
    const s1 = await server.request<Record<string, number>>('stats')
    const [d0, d1] = [s0.kernelDrops ?? -1, s1.kernelDrops ?? -1]
    if (d0 >= 0 && d1 >= 0) row.idleKernelDrops = d1 - d0
    if (args['cpu-prof']) await server.request('profile-stop', profile('idle'))
    row.idleUsPerSessionS = Math.max(0, (c1.us - c0.us) / ((c1.at - c0.at) / 1000) - row.baselineUsPerS) / established
    row.idleElu = elu(c0, c1)
    const idleDrops = row.idleKernelDrops === undefined ? '' : `, ${row.idleKernelDrops} datagrams dropped by the kernel while idle`
    console.error(
      `  ${system} ${sessions}: RSS ${row.rssPerSessionKiB.toFixed(1)} KiB/session, idle ${row.idleUsPerSessionS.toFixed(2)} µs/s/session${idleDrops}`,
    )

    // broadcast to all
    const bms: number[] = []
    const qms: number[] = []
    const cms: number[] = []
    let received = 0
    for (let seq = 1; seq <= broadcasts; seq++) {
      const b = await server.request<{ t0: number; count: number; syncMs: number; doneMs: number; cpuMs: number }>('broadcast', seq)
      let got: PushReport[] = []
      for (let waited = 0; waited < 10_000; waited += 100) {
        await sleep(100)
        got = await Promise.all(clients.map((c) => c.request<PushReport>('pushes', seq)))
        if (got.reduce((a, p) => a + p.count, 0) >= b.count) break
      }
      received = got.reduce((a, p) => a + p.count, 0)
      bms.push(Math.max(...got.map((p) => p.lastAt)) - b.t0)
      qms.push(b.doneMs)
      cms.push(b.cpuMs)
      await sleep(1_000)
    }
    console.error(
      `  ${system} ${sessions}: broadcasts ${bms.map((x) => x.toFixed(0)).join(', ')} ms to the last session (queued and sealed in ${qms.map((x) => x.toFixed(0)).join(', ')} ms)`,
    )
    row.broadcastMs = median(bms)
    row.broadcastQueuedMs = median(qms)
    row.broadcastCpuMs = median(cms)
    row.broadcastReceived = received

    // 1 call/s per session
    const startAt = Date.now() + 1_000
    const loads = clients.map((c) =>
      c.request<LoadReport>('load', { startAt, warmupMs: WARMUP_MS, durationMs: loadS * 1000, periodMs: 1000 / rate }, WARMUP_MS + loadS * 1000 + 60_000),
    )
    await sleep(startAt + WARMUP_MS - Date.now())
    if (args['cpu-prof']) await server.request('profile-start')
    const l0 = await server.request<Cpu>('cpu')
    await sleep(loadS * 1000)
    const l1 = await server.request<Cpu>('cpu')
    if (args['cpu-prof']) await server.request('profile-stop', profile('load'))
    const lr = await Promise.all(loads)
    const hist: Histogram = {}
    for (const r of lr) merge(hist, r.hist)
    const calls = lr.reduce((a, r) => a + r.calls, 0)
    row.callsPerS = calls / loadS
    row.cpuPerCallUs = (l1.us - l0.us) / Math.max(1, calls)
    // without what the server spends idle (pings, timers, the process itself): what a call adds,
    // comparable across --rate (at 0.25 call/s the idle share per call is 4 times that at 1)
    const idleUsPerS = (row.idleUsPerSessionS ?? 0) * (row.established ?? 0) + (row.baselineUsPerS ?? 0)
    row.cpuPerCallNetUs = Math.max(0, l1.us - l0.us - (idleUsPerS * (l1.at - l0.at)) / 1000) / Math.max(1, calls)
    row.loadElu = elu(l0, l1)
    row.p50Ms = quantileOf(hist, 0.5)
    row.p99Ms = quantileOf(hist, 0.99)
    row.callErrors = lr.reduce((a, r) => a + r.errors, 0)
    row.lateStarts = lr.reduce((a, r) => a + r.lateStarts, 0)
    const callErrs = lr.flatMap((r) => r.errorSample)
    if (callErrs.length) row.errorSample = [...(row.errorSample ?? []), ...callErrs].slice(0, 6)
    console.error(
      `  ${system} ${sessions}: ${Math.round(row.callsPerS)} calls/s, ${row.cpuPerCallUs.toFixed(1)} µs server CPU per call (${row.cpuPerCallNetUs.toFixed(1)} net of idle), p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms, loop ${Math.round(row.loadElu * 100)} % busy, ${row.callErrors} failed`,
    )
    row.serverStats = await server.request<Record<string, number>>('stats')
    row.loadAverage = Math.round(loadavg()[0]! * 10) / 10
    row.ok = true
  } catch (e) {
    row.error = (e as Error).message.slice(0, 2000)
  } finally {
    await Promise.all(clients.map((c) => c.request('close', undefined, 15_000).catch(() => {})))
    await server.request('close', undefined, 15_000).catch(() => {})
    await sleep(500)
    for (const c of [...clients.map((c) => c.proc), server.proc]) c.kill('SIGKILL')
    await sleep(2_000) // sockets in TIME_WAIT and kernel buffers settle
  }
  return row
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

// ---------------------------------------------------------------- main

const wantFds = Math.max(...sessionCounts) + 8192
const fdLimit = fdCeiling(wantFds)
console.error(
  `scale: ${systems.map((s) => s.name).join(', ')} at ${sessionCounts.join(', ')} sessions; ${clientCount} client processes or more; idle ${idleS} s, load ${loadS} s`,
)
if (fdLimit < wantFds)
  console.error(
    `scale: the open-files limit cannot be raised above ${fdLimit} here (ulimit -Hn, no CAP_SYS_RESOURCE): rows whose server needs more are skipped`,
  )

const machine = () => ({
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memory_gib: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  kernel: release(),
  load_average: loadavg().map((x) => Math.round(x * 100) / 100),
})
mkdirSync(RESULTS, { recursive: true })
const out = join(RESULTS, full ? 'scale-latest.json' : 'scale-partial.json')
const save = () =>
  writeFileSync(
    out,
    `${JSON.stringify({ date: new Date().toISOString(), machine: machine(), config: { sessionCounts, clientProcs: clientCount, fdLimit, idleS, loadS, broadcasts, rate, quick: args.quick }, rows }, null, 2)}\n`,
  )

const rows: Row[] = []
for (const n of sessionCounts) {
  for (const s of systems) {
    console.error(`scale: ${s.name} with ${n} sessions...`)
    rows.push(await runRow(s, n))
    save() // after every row: a long run that stops keeps what it measured
  }
}

const f = (v: number | undefined, d = 1) =>
  v === undefined || Number.isNaN(v) ? '–' : v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }).replace(/,/g, ' ')
const lines: string[] = []
for (const n of sessionCounts) {
  lines.push(
    '',
    `| ${n.toLocaleString('en-US').replace(/,/g, ' ')} sessions | setup | RSS per idle session | idle CPU per session | ${rate} call/s per session: server CPU per call | p99 | broadcast to all | notes |`,
    '|---|---:|---:|---:|---:|---:|---:|---|',
  )
  for (const r of rows.filter((r) => r.sessions === n)) {
    if (!r.ok) {
      lines.push(`| ${r.system} | failed: ${(r.error ?? '').split('\n')[0]!.slice(0, 120)} |||||||`)
      continue
    }
    const notes: string[] = []
    if (r.established !== n) notes.push(`${r.established} established`)
    if (r.callErrors) notes.push(`${r.callErrors} calls failed`)
    if (r.broadcastReceived !== r.established) notes.push(`broadcast reached ${r.broadcastReceived}`)
    notes.push(`loop ${Math.round((r.loadElu ?? 0) * 100)} % busy under load`)
    if (r.lateStarts) notes.push(`${r.lateStarts} late starts`)
    if (rate !== 1) notes.push(`${f(r.cpuPerCallNetUs, 0)} µs per call net of idle CPU`)
    const drops = r.serverStats?.kernelDrops
    if (drops !== undefined && drops >= 0) notes.push(`${drops} datagrams dropped by the kernel`)
    if (r.idleKernelDrops !== undefined && r.idleKernelDrops >= 0) notes.push(`${r.idleKernelDrops} of them while idle`)
    notes.push(`load average ${r.loadAverage}`)
    lines.push(
      `| ${r.system} | ${f(r.setupS)} s | ${f(r.rssPerSessionKiB)} KiB | ${f(r.idleUsPerSessionS, 2)} µs/s | ${f(r.cpuPerCallUs, 0)} µs | ${f(r.p99Ms, 0)} ms | ${f(r.broadcastMs, 0)} ms | ${notes.join('; ')} |`,
    )
  }
}
console.log(lines.join('\n'))

console.error(`scale: results in ${out}`)
process.exit(rows.every((r) => r.ok) ? 0 : 1)
