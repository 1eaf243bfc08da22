/**
 * The benchmark orchestrator: `pnpm bench [--quick] [--only a,b] [--pin] [--reps n] [--cpu-prof]`.
 *
 * Every system runs in a fresh server process and a fresh client process (tsx, `@kp/source`
 * condition) on 127.0.0.1, in rotating order, `reps` times; the table shows medians over the
 * repetitions and ratios against `kp-tcp`. A full run (no --quick, no --only) writes
 * `results/latest.json` and the generated part of `results/README.md`; other runs write
 * `results/partial.json`.
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, release, totalmem, type as osType, arch } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { median } from './stats.js'
import { SYSTEMS, type SystemSpec } from './systems.js'
import type { ChildMessage, CpuCost, MeasureConfig, MeasureName, MeasureResult, ServerInfo } from './types.js'
import { Children, outputTail, stopChild } from '../../scripts/bench/children.js'
import { makeCert } from './make-cert.js'

const HERE = fileURLToPath(new URL('.', import.meta.url))
const BENCH_DIR = join(HERE, '..')
const RESULTS = join(BENCH_DIR, 'results')

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    pin: { type: 'boolean', default: false },
    reps: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    measures: { type: 'string' },
    warmup: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
})

if (args.help) {
  console.log(`pnpm bench [--quick] [--only name,name] [--pin] [--reps n] [--warmup n] [--cpu-prof]
  --quick      one repetition, fewer calls (a fast check)
  --only       run only these systems: ${SYSTEMS.map((s) => s.name).join(', ')}
  --pin        pin the server to core 0 and the client to core 1 (taskset)
  --reps n     repetitions (default 3, --quick 1)
  --warmup n   warm-up size: n/4 sequential, then n pipelined calls before the measurements
               (default 2000, --quick 500); larger values measure code V8 has finished compiling
  --cpu-prof   write V8 CPU profiles (measurements only, after warm-up) of the server and client
               processes to results/profiles/<system>-<server|client>-<rep>.cpuprofile
  --measures   only these measurements: latency,calls,bytes,connect,stream_items,stream_mb,stream_rss,stream_p99`)
  process.exit(0)
}

const FULL: MeasureConfig = {
  latencyCalls: 5_000,
  pipelinedCalls: 20_000,
  inFlight: 100,
  bigCalls: 500,
  bigInFlight: 8,
  bigSize: 64 * 1024,
  connects: 50,
  warmupCalls: 2_000,
  streamItems: 200_000,
  streamItemSize: 16,
  streamBigItems: 4_096,
  streamBigSize: 64 * 1024,
  rssBytes: 1024 * 1024 * 1024,
  slowEvery: 2,
  saturationCalls: 2_000,
  timeoutMs: 90_000,
  measures: [],
}
const QUICK: MeasureConfig = {
  ...FULL,
  latencyCalls: 1_000,
  pipelinedCalls: 4_000,
  bigCalls: 100,
  connects: 10,
  warmupCalls: 500,
  streamItems: 50_000,
  streamBigItems: 1_024,
  rssBytes: 256 * 1024 * 1024,
  saturationCalls: 500,
  timeoutMs: 30_000,
}
const warmup = args.warmup === undefined ? undefined : Number(args.warmup)
if (warmup !== undefined && (!Number.isInteger(warmup) || warmup < 4 || warmup > 1_000_000)) {
  throw new RangeError(`"--warmup" expected a number of calls from 4 to 1000000, got ${args.warmup}`)
}
const cfg: MeasureConfig = { ...(args.quick ? QUICK : FULL), ...(warmup === undefined ? {} : { warmupCalls: warmup }) }
const reps = args.reps ? Number.parseInt(args.reps, 10) : args.quick ? 1 : 3
if (!Number.isInteger(reps) || reps < 1 || reps > 20) throw new RangeError(`"--reps" expected 1..20, got ${args.reps}`)

const onlyNames = args.only
  ?.split(',')
  .map((s) => s.trim())
  .filter(Boolean)
for (const n of onlyNames ?? []) {
  if (!SYSTEMS.some((s) => s.name === n)) throw new TypeError(`unknown system "${n}"; known: ${SYSTEMS.map((s) => s.name).join(', ')}`)
}
const systems = SYSTEMS.filter((s) => !onlyNames || onlyNames.includes(s.name))
const onlyMeasures = args.measures?.split(',').map((s) => s.trim())
for (const m of onlyMeasures ?? []) {
  if (!['latency', 'calls', 'bytes', 'connect', 'stream_items', 'stream_mb', 'stream_rss', 'stream_p99'].includes(m))
    throw new TypeError(`unknown measurement "${m}"`)
}
const fullRun = !args.quick && !onlyNames && !args.reps && !onlyMeasures && warmup === undefined

// ---------------------------------------------------------------- environment

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
const pin = args.pin && hasTaskset()
if (args.pin && !pin) console.error('--pin: taskset is not available on this machine; running unpinned')

const cpuModel = cpus()[0]?.model ?? 'unknown'
const machine = {
  cpu: cpuModel,
  cores: cpus().length,
  memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  node: process.version,
  os: `${osType()} ${release()} ${arch()}`,
  load_average_at_start: loadavg().map((x) => Math.round(x * 100) / 100),
  pinned: pin ? 'server on core 0, client on core 1 (taskset)' : 'no',
}

// ---------------------------------------------------------------- child processes

const children = new Children()
const tsxLoader = import.meta.resolve('tsx')
const profileDir = join(RESULTS, 'profiles')

function spawnChild(script: string, childArgs: string[], core: number, profileFile: string | null): ChildProcess {
  const nodeArgs = ['--import', tsxLoader, '--conditions=@kp/source']
  const child = fork(join(HERE, script), childArgs, {
    cwd: BENCH_DIR,
    execPath: pin ? 'taskset' : process.execPath,
    execArgv: pin ? ['-c', String(core), process.execPath, ...nodeArgs] : nodeArgs,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, NODE_ENV: 'production', ...(profileFile ? { KP_BENCH_PROFILE: profileFile } : {}) },
  })
  return children.track(child)
}

interface RunResult {
  latency_us?: number
  latency_p99_us?: number
  calls_per_s?: number
  mb_per_s?: number
  connect_ms?: number
  connect_p99_ms?: number
  stream_items_per_s?: number
  stream_mb_per_s?: number
  rss_client_mib?: number
  rss_server_mib?: number
  rss_seconds?: number
  rss_stopped?: string
  saturated_call_us?: number
  saturated_call_p99_us?: number
  saturated_stream_mb_per_s?: number
  /** CPU time per operation of client and server, by measurement. */
  cpu: Partial<Record<MeasureName, CpuCost>>
  errors: string[]
  seconds: number
}

/** Waits for `ready` from a server, or fails on exit, fatal or timeout. */
function waitReady(child: ChildProcess, ms: number, out: () => string): Promise<ServerInfo> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not ready within ${ms} ms\n${out()}`)), ms)
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'ready') {
        clearTimeout(timer)
        resolve(m.info)
      } else if (m.type === 'fatal') {
        clearTimeout(timer)
        reject(new Error(`server failed: ${m.error}`))
      }
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`server exited (${code ?? signal}) before ready\n${out()}`))
    })
  })
}

async function runOne(spec: SystemSpec, certDir: string, rep: number): Promise<RunResult> {
  const t0 = performance.now()
  const result: RunResult = { cpu: {}, errors: [], seconds: 0 }
  const prof = args['cpu-prof']
  if (prof) mkdirSync(profileDir, { recursive: true })
  const profPath = (role: string) => join(profileDir, `${spec.name}-${role}-${rep}.cpuprofile`)
  const server = spawnChild('server-main.ts', [spec.dir, certDir], 0, null)
  const serverOut = outputTail(server, 3000)
  let client: ChildProcess | null = null
  let finished = false
  try {
    const info = await waitReady(server, 60_000, serverOut)
    const runCfg: MeasureConfig = { ...cfg, measures: spec.measures.filter((m) => !onlyMeasures || onlyMeasures.includes(m)) }
    client = spawnChild('client-main.ts', [spec.dir, certDir, JSON.stringify(info), JSON.stringify(runCfg)], 1, prof ? profPath('client') : null)
    const clientOut = outputTail(client, 3000)
    const bound = 60_000 + (spec.measures.length + 3) * cfg.timeoutMs // start + measurements (the slow-reader stream gets 3) + warm-up
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        result.errors.push(`client: no end within ${bound} ms`)
        resolve()
      }, bound)
      // the client's questions about the server's CPU time go through here
      const toClient = (m: ChildMessage) => {
        if ((m.type === 'cpu' || m.type === 'rss') && client!.connected) client!.send(m)
      }
      server.on('message', toClient)
      client!.on('message', (m: ChildMessage) => {
        if (m.type === 'cpu?' || m.type === 'rss?') {
          if (server.connected) server.send(m)
          return
        }
        if (m.type === 'measuring' && prof && server.connected) server.send({ type: 'profile', action: 'start' })
        if (m.type === 'result') take(result, m.result)
        else if (m.type === 'fatal') result.errors.push(`client failed: ${m.error.split('\n').slice(0, 3).join(' | ')}`)
        if (m.type === 'done' || m.type === 'fatal') {
          clearTimeout(timer)
          resolve()
        }
      })
      client!.once('exit', (code, signal) => {
        clearTimeout(timer)
        if (code !== 0) result.errors.push(`client exited (${code ?? signal})${clientOut() ? `: ${clientOut().slice(-400)}` : ''}`)
        resolve()
      })
      server.on('message', (m: ChildMessage) => {
        if (m.type === 'fatal') result.errors.push(`server failed: ${m.error.split('\n').slice(0, 3).join(' | ')}`)
      })
      server.once('exit', (code, signal) => {
        if (!finished) result.errors.push(`server exited (${code ?? signal}) during the run: ${serverOut().slice(-400)}`)
      })
    })
    finished = true
    if (prof && server.connected) {
      server.send({ type: 'profile', action: 'stop', file: profPath('server') })
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 15_000)
        server.on('message', (m: ChildMessage) => {
          if (m.type === 'profiled') {
            clearTimeout(timer)
            resolve()
          }
        })
      })
    }
  } catch (e) {
    result.errors.push((e as Error).message.slice(0, 600))
  } finally {
    finished = true
    const grace = 3_000
    await Promise.all([client ? stopChild(client, grace) : Promise.resolve(), stopChild(server, grace)])
  }
  result.seconds = (performance.now() - t0) / 1000
  return result
}

function take(r: RunResult, m: MeasureResult): void {
  if (!m.ok) {
    r.errors.push(`${m.name}: ${m.error}`)
    return
  }
  if (m.cpu) r.cpu[m.name] = m.cpu
  if (m.name === 'latency') {
    r.latency_us = m.medianUs
    r.latency_p99_us = m.p99Us
  } else if (m.name === 'calls') r.calls_per_s = m.callsPerS
  else if (m.name === 'bytes') r.mb_per_s = m.mbPerS
  else if (m.name === 'connect') {
    r.connect_ms = m.medianMs
    r.connect_p99_ms = m.p99Ms
  } else if (m.name === 'stream_items') r.stream_items_per_s = m.itemsPerS
  else if (m.name === 'stream_mb') r.stream_mb_per_s = m.mbPerS
  else if (m.name === 'stream_rss') {
    r.rss_client_mib = m.clientMiB
    if (m.serverMiB !== null) r.rss_server_mib = m.serverMiB
    r.rss_seconds = m.seconds
    if (m.stoppedBy) r.rss_stopped = m.stoppedBy
  } else {
    r.saturated_call_us = m.medianUs
    r.saturated_call_p99_us = m.p99Us
    r.saturated_stream_mb_per_s = m.streamMbPerS
  }
}

// ---------------------------------------------------------------- formatting

const METRICS = [
  'latency_us',
  'latency_p99_us',
  'calls_per_s',
  'mb_per_s',
  'connect_ms',
  'connect_p99_ms',
  'stream_items_per_s',
  'stream_mb_per_s',
  'rss_client_mib',
  'rss_server_mib',
  'rss_seconds',
  'saturated_call_us',
  'saturated_call_p99_us',
  'saturated_stream_mb_per_s',
] as const
type Metric = (typeof METRICS)[number]
type Summary = Partial<Record<Metric, number>> & { runs: RunResult[]; errors: string[]; cpu: Partial<Record<MeasureName, CpuCost>>; rssStopped?: string }

function summarize(runs: RunResult[]): Summary {
  const s: Summary = { runs, errors: runs.flatMap((r) => r.errors), cpu: {} }
  for (const m of METRICS) {
    const xs = runs.map((r) => r[m]).filter((x): x is number => typeof x === 'number' && Number.isFinite(x))
    if (xs.length) s[m] = median(xs)
  }
  const stopped = runs.map((r) => r.rss_stopped).find(Boolean)
  if (stopped) s.rssStopped = stopped
  for (const m of ['latency', 'calls', 'bytes', 'connect', 'stream_items', 'stream_mb', 'stream_rss', 'stream_p99'] as const) {
    const cs = runs.map((r) => r.cpu[m]).filter((c): c is CpuCost => c !== undefined)
    if (cs.length === 0) continue
    const cost: CpuCost = { clientUs: median(cs.map((c) => c.clientUs)), serverUs: median(cs.map((c) => c.serverUs)) }
    const mains = cs.filter((c) => c.clientMainUs !== undefined && c.serverMainUs !== undefined)
    if (mains.length === cs.length) {
      cost.clientMainUs = median(mains.map((c) => c.clientMainUs!))
      cost.serverMainUs = median(mains.map((c) => c.serverMainUs!))
    }
    s.cpu[m] = cost
  }
  return s
}

/**
 * CPU per operation, client + server (µs; ms for connects); with `main`, only the main thread's
 * part (the rest is V8's compiler and garbage-collector helper threads).
 */
function cpuTable(sum: Map<string, Summary>, main = false): string {
  const cell = (c: CpuCost | undefined, ms = false) => {
    const client = main ? c?.clientMainUs : c?.clientUs
    const server = main ? c?.serverMainUs : c?.serverUs
    if (client === undefined || server === undefined) return '–'
    const f = (x: number) => (ms ? (x / 1000).toFixed(2) : x.toFixed(x < 100 ? 1 : 0))
    return `${f(client)} + ${f(server)}`
  }
  const rows = ['| system | µs per sequential call | µs per pipelined call | µs per 64 KiB call | ms per connect |', '|---|--:|--:|--:|--:|']
  for (const [name, s] of sum) {
    rows.push(`| ${name} | ${cell(s.cpu.latency)} | ${cell(s.cpu.calls)} | ${cell(s.cpu.bytes)} | ${cell(s.cpu.connect, true)} |`)
  }
  return rows.join('\n')
}

function fmt(x: number | undefined, kind: 'us' | 'rate' | 'mb' | 'ms'): string {
  if (x === undefined) return '–'
  if (kind === 'rate') return x >= 10_000 ? `${(x / 1000).toFixed(1)}k` : Math.round(x).toLocaleString('en-US')
  if (kind === 'ms') return x.toFixed(2)
  if (kind === 'mb') return x.toFixed(0)
  return x.toFixed(0)
}

function ratio(x: number | undefined, base: number | undefined): string {
  return x === undefined || !base ? '' : `${(x / base).toFixed(2)}×`
}

function table(sum: Map<string, Summary>): string {
  const kp = sum.get('kp-tcp')
  const rows = [
    '| system | latency µs (median) | p99 µs | ÷ kp-tcp | calls/s (100 in flight) | ÷ kp-tcp | MB/s (64 KiB, 8 in flight) | ÷ kp-tcp | connect ms | ÷ kp-tcp |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ]
  for (const [name, s] of sum) {
    const failed = s.errors.length > 0 && s.latency_us === undefined && s.calls_per_s === undefined && s.connect_ms === undefined
    rows.push(
      `| ${name}${failed ? ' (failed)' : ''} | ${fmt(s.latency_us, 'us')} | ${fmt(s.latency_p99_us, 'us')} | ${ratio(s.latency_us, kp?.latency_us)} ` +
        `| ${fmt(s.calls_per_s, 'rate')} | ${ratio(s.calls_per_s, kp?.calls_per_s)} ` +
        `| ${fmt(s.mb_per_s, 'mb')} | ${ratio(s.mb_per_s, kp?.mb_per_s)} ` +
        `| ${fmt(s.connect_ms, 'ms')} | ${ratio(s.connect_ms, kp?.connect_ms)} |`,
    )
  }
  return rows.join('\n')
}

/** The stream measurements, for the systems that have them. */
function streamTable(sum: Map<string, Summary>, streaming: Set<string>): string {
  const kp = sum.get('kp-tcp')
  const rows = [
    '| system | items/s (16 B) | ÷ kp-tcp | MB/s (64 KiB items) | ÷ kp-tcp | RSS growth, slow reader: client / server MiB | small call during a saturating stream: median / p99 µs | stream MB/s meanwhile | p99 µs of the same calls without a stream |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  ]
  for (const [name, s] of sum) {
    if (!streaming.has(name)) continue
    const rss =
      s.rss_client_mib === undefined
        ? '–'
        : `${s.rss_client_mib.toFixed(1)} / ${s.rss_server_mib === undefined ? '–' : s.rss_server_mib.toFixed(1)}${s.rssStopped ? ` (stopped: the ${s.rssStopped} passed 1 GiB)` : ''}`
    const sat = s.saturated_call_us === undefined ? '–' : `${fmt(s.saturated_call_us, 'us')} / ${fmt(s.saturated_call_p99_us, 'us')}`
    rows.push(
      `| ${name} | ${fmt(s.stream_items_per_s, 'rate')} | ${ratio(s.stream_items_per_s, kp?.stream_items_per_s)} ` +
        `| ${fmt(s.stream_mb_per_s, 'mb')} | ${ratio(s.stream_mb_per_s, kp?.stream_mb_per_s)} | ${rss} | ${sat} | ${fmt(s.saturated_stream_mb_per_s, 'mb')} | ${fmt(s.latency_p99_us, 'us')} |`,
    )
  }
  return rows.join('\n')
}

interface Target {
  id: string
  text: string
  sys: string
  metric: Metric
  /** The system to divide by; null: `bound` is an absolute value of `metric`. */
  other: string | null
  op: '>=' | '<='
  bound: number
  /** For absolute targets: how the measured value is shown. */
  unit?: string
  /** A second metric that must meet the same absolute bound (the larger is compared). */
  alsoMetric?: Metric
}
const TARGETS: Target[] = [
  { id: 'T1', text: 'kp-tcp calls/s ≥ 1.5× secretstream', sys: 'kp-tcp', metric: 'calls_per_s', other: 'secretstream', op: '>=', bound: 1.5 },
  { id: 'T2', text: 'kp-tcp calls/s ≥ 0.5× net', sys: 'kp-tcp', metric: 'calls_per_s', other: 'net', op: '>=', bound: 0.5 },
  { id: 'T3', text: 'kp-tcp latency ≤ 1.0× secretstream', sys: 'kp-tcp', metric: 'latency_us', other: 'secretstream', op: '<=', bound: 1.0 },
  { id: 'T4', text: 'kp-tcp 64 KiB MB/s ≥ 1.0× tls', sys: 'kp-tcp', metric: 'mb_per_s', other: 'tls', op: '>=', bound: 1.0 },
  { id: 'T5', text: 'kp-tcp connect ≤ 1.0× tls', sys: 'kp-tcp', metric: 'connect_ms', other: 'tls', op: '<=', bound: 1.0 },
  { id: 'T6', text: 'kp-ws calls/s ≥ 1.5× socketio-wss', sys: 'kp-ws', metric: 'calls_per_s', other: 'socketio-wss', op: '>=', bound: 1.5 },
  { id: 'T7', text: 'kp-ws latency ≤ 1.0× socketio-wss', sys: 'kp-ws', metric: 'latency_us', other: 'socketio-wss', op: '<=', bound: 1.0 },
  {
    id: 'S1',
    text: 'kp-tcp stream items/s ≥ 3× grpc-tls server streaming',
    sys: 'kp-tcp',
    metric: 'stream_items_per_s',
    other: 'grpc-tls',
    op: '>=',
    bound: 3,
  },
  {
    id: 'S2',
    text: "kp-tcp stream items/s ≥ 1× socketio-wss's event rate",
    sys: 'kp-tcp',
    metric: 'stream_items_per_s',
    other: 'socketio-wss',
    op: '>=',
    bound: 1,
  },
  { id: 'S3', text: 'kp-tcp 64 KiB stream MB/s ≥ 1× grpc-tls', sys: 'kp-tcp', metric: 'stream_mb_per_s', other: 'grpc-tls', op: '>=', bound: 1 },
  {
    id: 'S4',
    text: 'kp-tcp RSS growth under a slow reader ≤ 32 MiB (client and server)',
    sys: 'kp-tcp',
    metric: 'rss_client_mib',
    alsoMetric: 'rss_server_mib',
    other: null,
    op: '<=',
    bound: 32,
    unit: 'MiB',
  },
  {
    id: 'S5',
    text: 'kp-tcp small-call p99 during a saturating stream ≤ 5 ms',
    sys: 'kp-tcp',
    metric: 'saturated_call_p99_us',
    other: null,
    op: '<=',
    bound: 5000,
    unit: 'µs',
  },
]

interface TargetOutcome {
  id: string
  target: string
  /** The ratio measured, or for an absolute target the value. */
  ratio: number | null
  unit?: string
  status: 'met' | 'missed' | 'not measured'
}

function evaluate(sum: Map<string, Summary>): TargetOutcome[] {
  return TARGETS.map((t) => {
    const s = sum.get(t.sys)
    let a = s?.[t.metric]
    if (t.alsoMetric && a !== undefined) a = Math.max(a, s?.[t.alsoMetric] ?? a)
    const b = t.other === null ? 1 : sum.get(t.other)?.[t.metric]
    if (a === undefined || b === undefined || !b) return { id: t.id, target: t.text, ratio: null, status: 'not measured' }
    const r = a / b
    const met = t.op === '>=' ? r >= t.bound : r <= t.bound
    return { id: t.id, target: t.text, ratio: Math.round(r * 1000) / 1000, ...(t.unit ? { unit: t.unit } : {}), status: met ? 'met' : 'missed' }
  })
}

function targetTable(outcomes: TargetOutcome[]): string {
  const shown = (o: TargetOutcome) => (o.ratio === null ? '–' : o.unit ? `${o.ratio.toFixed(o.ratio < 100 ? 1 : 0)} ${o.unit}` : `${o.ratio.toFixed(2)}×`)
  return [
    '| | target | measured | status |',
    '|---|---|--:|---|',
    ...outcomes.map((o) => `| ${o.id} | ${o.target} | ${shown(o)} | ${o.status === 'missed' ? '**missed**' : o.status} |`),
  ].join('\n')
}

function machineLine(): string {
  return (
    `${machine.cpu}, ${machine.cores} cores, ${machine.memory_gib} GiB, Node ${machine.node}, ${machine.os}; ` +
    `load average at start ${machine.load_average_at_start.join(' / ')}; pinned: ${machine.pinned}`
  )
}

// ---------------------------------------------------------------- main

const certDir = makeCert()
const started = new Date()
const runs = new Map<string, RunResult[]>(systems.map((s) => [s.name, []]))
console.error(`bench${args.quick ? ' --quick' : ''}: ${systems.length} systems × ${reps} repetition(s); ${machineLine()}`)
try {
  for (let rep = 0; rep < reps; rep++) {
    const shift = Math.round((rep * systems.length) / reps)
    const order = [...systems.slice(shift), ...systems.slice(0, shift)]
    for (const spec of order) {
      const r = await runOne(spec, certDir, rep)
      runs.get(spec.name)!.push(r)
      const parts = [
        r.latency_us !== undefined ? `${fmt(r.latency_us, 'us')} µs` : null,
        r.calls_per_s !== undefined ? `${fmt(r.calls_per_s, 'rate')} calls/s` : null,
        r.mb_per_s !== undefined ? `${fmt(r.mb_per_s, 'mb')} MB/s` : null,
        r.connect_ms !== undefined ? `${fmt(r.connect_ms, 'ms')} ms connect` : null,
        r.stream_items_per_s !== undefined ? `${fmt(r.stream_items_per_s, 'rate')} items/s` : null,
        r.stream_mb_per_s !== undefined ? `${fmt(r.stream_mb_per_s, 'mb')} MB/s streamed` : null,
        r.rss_client_mib !== undefined ? `RSS +${r.rss_client_mib.toFixed(1)}/+${r.rss_server_mib?.toFixed(1) ?? '–'} MiB` : null,
        r.saturated_call_p99_us !== undefined ? `p99 ${fmt(r.saturated_call_p99_us, 'us')} µs beside a stream` : null,
      ].filter(Boolean)
      console.error(
        `  [${rep + 1}/${reps}] ${spec.name.padEnd(13)} ${r.seconds.toFixed(1).padStart(5)} s  ${parts.join(', ')}` +
          (r.errors.length ? `\n      FAILED: ${r.errors.join('\n      FAILED: ')}` : ''),
      )
    }
  }
} finally {
  children.killAll()
  rmSync(certDir, { recursive: true, force: true })
}

const summaries = new Map<string, Summary>(systems.map((s) => [s.name, summarize(runs.get(s.name)!)]))
const outcomes = evaluate(summaries)
const seconds = (Date.now() - started.getTime()) / 1000

const binaryNotes = systems
  .filter((s) => s.measures.includes('bytes'))
  .map((s) => `${s.name}: ${s.binary}`)
  .join('; ')
const header =
  `Kiloparsec benchmark${args.quick ? ' (--quick: 1 repetition, fewer calls; indicative only)' : ''}, ${started.toISOString()}, ${seconds.toFixed(0)} s\n` +
  `${machineLine()}\n` +
  `Medians of ${reps} repetition(s), each in fresh server and client processes on 127.0.0.1. ` +
  `Latency: ${cfg.latencyCalls} sequential 16-byte string echoes; calls/s: ${cfg.pipelinedCalls} calls, ${cfg.inFlight} in flight; ` +
  `MB/s: ${cfg.bigCalls} × 64 KiB binary echoes, ${cfg.bigInFlight} in flight, one direction's bytes; connect: median of ${cfg.connects} fresh connections to the first answered call. ` +
  `Warm-up: ${cfg.warmupCalls / 4} sequential and ${cfg.warmupCalls} pipelined calls. ` +
  `"÷ kp-tcp" is the system's figure divided by kp-tcp's.`
const cpuNote = 'CPU time per operation (process.cpuUsage, user + system), client + server: less sensitive to a loaded machine than the wall-clock figures.'
const mainNote =
  "Of that, the main thread's part (Linux schedstat): JavaScript, native calls and syscalls. The rest is V8's helper threads, compiling hot functions and collecting garbage."
/** Both CPU tables, the main-thread one only when some system has its figures. */
const cpuTables = (sum: Map<string, Summary>) =>
  `${cpuNote}\n\n${cpuTable(sum)}` +
  ([...sum.values()].some((s) => Object.values(s.cpu).some((c) => c.clientMainUs !== undefined)) ? `\n\n${mainNote}\n\n${cpuTable(sum, true)}` : '')
const streaming = new Set(systems.filter((s) => s.measures.some((m) => m.startsWith('stream_'))).map((s) => s.name))
const streamHeader =
  `Streams (server → client): ${cfg.streamItems} items of ${cfg.streamItemSize} bytes; ${cfg.streamBigItems} items of 64 KiB; ` +
  `RSS growth (peak over the baseline, sampled every 20 ms) of each process while ${cfg.rssBytes / 2 ** 20} MiB of 64 KiB items feed a reader that pauses 1 ms every ${cfg.slowEvery} items; ` +
  `${cfg.saturationCalls} sequential 16-byte echoes while an endless 64 KiB stream is read on the same connection.`
const streamPart = streaming.size ? `\n\n${streamHeader}\n\n${streamTable(summaries, streaming)}` : ''
console.log(`\n${header}\n\n${table(summaries)}${streamPart}\n\n${cpuTables(summaries)}\n\nTargets (from this run's medians):\n\n${targetTable(outcomes)}\n`)
const failures = [...summaries].filter(([, s]) => s.errors.length)
if (failures.length) {
  console.log('Failures:')
  for (const [name, s] of failures) console.log(`- ${name}: ${[...new Set(s.errors)].join('; ')}`)
}

const round = (x: number | undefined, d: number) => (x === undefined ? null : Math.round(x * 10 ** d) / 10 ** d)
const json = {
  machine,
  run: {
    at: started.toISOString(),
    seconds: Math.round(seconds),
    quick: args.quick,
    repetitions: reps,
    config: { ...cfg, measures: undefined },
    order: 'rotated by one third of the list each repetition',
  },
  systems: Object.fromEntries(
    systems.map((spec) => {
      const s = summaries.get(spec.name)!
      return [
        spec.name,
        {
          latency_us: round(s.latency_us, 1),
          calls_per_s: round(s.calls_per_s, 0),
          mb_per_s: spec.measures.includes('bytes') ? round(s.mb_per_s, 1) : null,
          connect_ms: round(s.connect_ms, 3),
          latency_p99_us: round(s.latency_p99_us, 1),
          connect_p99_ms: round(s.connect_p99_ms, 3),
          ...(streaming.has(spec.name)
            ? {
                stream_items_per_s: round(s.stream_items_per_s, 0),
                stream_mb_per_s: round(s.stream_mb_per_s, 1),
                rss_growth_mib: { client: round(s.rss_client_mib, 1), server: round(s.rss_server_mib, 1), stopped: s.rssStopped ?? null },
                call_during_stream_us: {
                  median: round(s.saturated_call_us, 1),
                  p99: round(s.saturated_call_p99_us, 1),
                  stream_mb_per_s: round(s.saturated_stream_mb_per_s, 1),
                },
              }
            : {}),
          cpu_us_per_op: Object.fromEntries(
            Object.entries(s.cpu).map(([k, c]) => [
              k,
              {
                client: round(c.clientUs, 1),
                server: round(c.serverUs, 1),
                ...(c.clientMainUs === undefined ? {} : { client_main: round(c.clientMainUs, 1), server_main: round(c.serverMainUs!, 1) }),
              },
            ]),
          ),
          what: spec.what,
          binary: spec.binary,
          runs: s.runs.map((r) => ({
            latency_us: round(r.latency_us, 1),
            calls_per_s: round(r.calls_per_s, 0),
            mb_per_s: round(r.mb_per_s, 1),
            connect_ms: round(r.connect_ms, 3),
          })),
          errors: [...new Set(s.errors)],
        },
      ]
    }),
  ),
  targets: outcomes,
}

mkdirSync(RESULTS, { recursive: true })
if (fullRun) {
  writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(json, null, 2)}\n`)
  const readme = join(RESULTS, 'README.md')
  const START = '<!-- results:start (generated by src/run.ts; edit outside these markers) -->'
  const END = '<!-- results:end -->'
  const generated =
    `${START}\n\n## Last full run\n\n\`pnpm bench\`, ${started.toISOString()}, ${seconds.toFixed(0)} s.\n\n` +
    `Machine: ${machineLine()}.\n\n` +
    `Medians of ${reps} repetitions; each system in fresh server and client processes; "÷ kp-tcp" is the system's figure divided by kp-tcp's.\n\n` +
    `${table(summaries)}\n\nBinary payloads: ${binaryNotes}.${streamPart}\n\n` +
    `${cpuTables(summaries)}\n\n` +
    `### Targets (this run)\n\n${targetTable(outcomes)}\n` +
    (failures.length ? `\nFailures: ${failures.map(([n, s]) => `${n}: ${[...new Set(s.errors)].join('; ')}`).join(' — ')}\n` : '') +
    `\n${END}`
  const old = existsSync(readme) ? readFileSync(readme, 'utf8') : `# Benchmark results\n\n${START}\n${END}\n`
  const i = old.indexOf(START)
  const j = old.indexOf(END)
  const next = i >= 0 && j > i ? old.slice(0, i) + generated + old.slice(j + END.length) : `${old.trimEnd()}\n\n${generated}\n`
  writeFileSync(readme, next)
  console.error(`wrote ${join(RESULTS, 'latest.json')} and ${readme}`)
} else {
  writeFileSync(join(RESULTS, 'partial.json'), `${JSON.stringify(json, null, 2)}\n`)
  console.error(`wrote ${join(RESULTS, 'partial.json')} (not a full run: latest.json and README.md left as they are)`)
}
// a failed system fails the command (the smoke test relies on it); missed targets do not
process.exit(failures.length ? 1 : 0)
