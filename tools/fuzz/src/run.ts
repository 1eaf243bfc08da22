/**
 * The long hostile-peer run: `pnpm fuzz [--frames N] [--quick] [--only tcp,ws,udp,udp-reliable]
 * [--seed S] [--parallel]`.
 *
 * For each transport: a server process (fuzz API on 127.0.0.1, a free port), a good-client
 * process that keeps calling, and an attacker process that sends hostile frames until N were
 * sent (default 1 000 000; --quick 20 000). Transports run one after another (--parallel: all at
 * once). Prints per transport: hostile frames sent, server crashes (exit code or signal), good
 * client calls, failures and p50/p99 latency, server RSS and heap before and after, elapsed time.
 * Exits 1 on any crash or good-client failure. Every child is killed at the end and on Ctrl-C.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import type { GoodClientReport } from '@kp/core/testing'
import { LIMITS } from './limits.js'
import type { CaseLine, ChildMessage, ServerState } from './messages.js'
import { TRANSPORT_NAMES, type TransportName } from './transports.js'
import { Children, outputTail, stopChild } from '../../../scripts/bench/children.js'

const HERE = fileURLToPath(new URL('.', import.meta.url))

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    frames: { type: 'string' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    seed: { type: 'string' },
    parallel: { type: 'boolean', default: false },
    'max-minutes': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
})

if (args.help) {
  console.log(`pnpm fuzz [--frames N] [--quick] [--only ${TRANSPORT_NAMES.join(',')}] [--seed S] [--parallel] [--max-minutes M]
  --frames N       hostile frames per transport (default 1000000)
  --quick          20000 frames per transport
  --only           these transports only
  --seed S         attacker seed (default: random, printed; the same seed replays the same sequences)
  --parallel       all transports at once (default: one after another)
  --max-minutes M  stop an attacker after M minutes (default 30)`)
  process.exit(0)
}

const frames = args.frames !== undefined ? Number(args.frames) : args.quick ? 20_000 : 1_000_000
if (!Number.isInteger(frames) || frames < 1 || frames > 1e9) throw new RangeError(`"--frames" expected an integer 1..1e9, got ${args.frames}`)
const seed = args.seed !== undefined ? Number(args.seed) : Math.floor(Math.random() * 2 ** 31)
if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`"--seed" expected an integer 0..2^32-1, got ${args.seed}`)
const maxMinutes = args['max-minutes'] !== undefined ? Number(args['max-minutes']) : 30
if (!(maxMinutes > 0)) throw new RangeError(`"--max-minutes" expected a positive number, got ${args['max-minutes']}`)
const only = args.only
  ?.split(',')
  .map((s) => s.trim())
  .filter(Boolean)
for (const n of only ?? [])
  if (!TRANSPORT_NAMES.includes(n as TransportName)) throw new TypeError(`unknown transport "${n}"; known: ${TRANSPORT_NAMES.join(', ')}`)
const transports = TRANSPORT_NAMES.filter((n) => !only || only.includes(n))

// ---------------------------------------------------------------- child processes

const children = new Children((sig) => console.error(`\n${sig}: stopping every child process`))
const tsxLoader = import.meta.resolve('tsx')

function spawnChild(script: string, childArgs: string[], gc = false): ChildProcess {
  const child = fork(join(HERE, script), childArgs, {
    execArgv: ['--import', tsxLoader, '--conditions=@kp/source', ...(gc ? ['--expose-gc'] : [])],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, NODE_ENV: 'production' },
  })
  return children.track(child)
}

/** The next message of `type` from `child`, or a rejection on exit, `fatal` or timeout. */
function next<T extends ChildMessage['type']>(
  child: ChildProcess,
  type: T,
  ms: number,
  what: string,
  out: () => string,
): Promise<Extract<ChildMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    const onMessage = (m: ChildMessage) => {
      if (m.type === type) {
        done()
        resolve(m as Extract<ChildMessage, { type: T }>)
      } else if (m.type === 'fatal') {
        done()
        reject(new Error(`${what}: ${m.error.split('\n').slice(0, 4).join(' | ')}`))
      }
    }
    const onExit = (code: number | null, signal: string | null) => {
      done()
      reject(new Error(`${what}: the process exited (${code ?? signal}) ${out().slice(-600)}`))
    }
    const timer = setTimeout(() => {
      done()
      reject(new Error(`${what}: nothing within ${ms} ms`))
    }, ms)
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}

let stateId = 0
function serverState(server: ChildProcess): Promise<ServerState | null> {
  if (!server.connected) return Promise.resolve(null)
  const id = ++stateId
  const answer = new Promise<ServerState | null>((resolve) => {
    const done = (state: ServerState | null) => {
      clearTimeout(timer)
      server.off('message', onMessage)
      server.off('exit', onExit)
      resolve(state)
    }
    const onMessage = (m: ChildMessage) => {
      if (m.type === 'state' && m.id === id) done(m.state)
    }
    const onExit = () => done(null)
    const timer = setTimeout(() => done(null), 10_000)
    server.on('message', onMessage)
    server.once('exit', onExit)
  })
  server.send({ type: 'state?', id })
  return answer
}

// ---------------------------------------------------------------- one transport

interface Row {
  transport: TransportName
  frames: number
  sequences: number
  crash: string | null
  good: GoodClientReport | null
  before: ServerState | null
  after: ServerState | null
  /** Attacker-side broken expectations (informative: findings to look at, not a crash). */
  problemCount: number
  problems: string[]
  /** Per hostile case: runs and broken expectations. */
  cases: CaseLine[]
  errors: string[]
  seconds: number
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

async function runTransport(name: TransportName): Promise<Row> {
  const t0 = performance.now()
  const row: Row = {
    transport: name,
    frames: 0,
    sequences: 0,
    crash: null,
    good: null,
    before: null,
    after: null,
    problemCount: 0,
    problems: [],
    cases: [],
    errors: [],
    seconds: 0,
  }
  const server = spawnChild('server-main.ts', [name], true)
  const serverOut = outputTail(server, 4000)
  let stopping = false
  let crashed = false
  server.once('exit', (code, signal) => {
    if (stopping) return
    crashed = true
    // Node prints the source line, a caret, then `Name: message` and the stack
    const lines = serverOut()
      .split('\n')
      .filter((l) => l.trim())
    const reason = lines.find((l) => /^[A-Za-z]*(Error|Exception)\b/.test(l)) ?? lines.find((l) => /error|rejection|exception/i.test(l)) ?? lines[0] ?? ''
    row.crash = `exit ${code ?? signal}: ${reason.slice(0, 300)}`
  })
  let client: ChildProcess | null = null
  let attacker: ChildProcess | null = null
  try {
    const ready = await next(server, 'ready', 60_000, `${name} server`, serverOut)
    client = spawnChild('client-main.ts', [name, String(ready.port), ready.serverId])
    const clientOut = outputTail(client, 4000)
    await next(client, 'connected', 30_000, `${name} good client`, clientOut)
    await delay(500)
    row.before = await serverState(server)
    attacker = spawnChild('attacker-main.ts', [name, String(ready.port), ready.serverId, String(frames), String(seed)])
    const attackerOut = outputTail(attacker, 4000)
    let lastPrint = 0
    attacker.on('message', (m: ChildMessage) => {
      if (m.type !== 'progress') return
      row.frames = m.frames
      row.sequences = m.sequences
      if (Date.now() - lastPrint > 10_000) {
        lastPrint = Date.now()
        console.log(`  ${name}: ${m.frames} frames, ${m.sequences} sequences, ${Math.round((performance.now() - t0) / 1000)} s`)
      }
    })
    const crash = new Promise<'crash'>((resolve) => server.once('exit', () => resolve('crash')))
    const done = next(attacker, 'done', maxMinutes * 60_000, `${name} attacker`, attackerOut).catch((e: Error) => {
      row.errors.push(e.message)
      return null
    })
    let summary = await Promise.race([done, crash])
    if (summary === 'crash') {
      // the attacker's sequences fail fast once nothing listens: its summary follows
      if (attacker.connected) attacker.send({ type: 'stop' })
      summary = await Promise.race([done, delay(10_000).then(() => null)])
    }
    if (summary) {
      row.frames = summary.frames
      row.sequences = summary.sequences
      row.problemCount = summary.problemCount
      row.problems = summary.problems
      row.cases = summary.cases
    }
    // the good client called through the whole attack; now its report
    if (client.connected) client.send({ type: 'stop' })
    const report = await next(client, 'report', 30_000, `${name} good client`, clientOut).catch((e: Error) => {
      row.errors.push(e.message)
      return null
    })
    row.good = report?.report ?? null
    if (!crashed) {
      // drain: half-open handshakes time out, abandoned datagram sessions idle out
      const end = Date.now() + LIMITS.handshakeTimeoutMs + LIMITS.idleTimeoutMs + 5_000
      for (;;) {
        const s = await serverState(server)
        row.after = s
        if (!s || (s.sessionCount === 0 && s.halfOpenCount === 0) || Date.now() > end) break
        await delay(250)
      }
    }
  } catch (e) {
    row.errors.push((e as Error).message)
  } finally {
    stopping = true
    await Promise.all([attacker, client, server].filter((c): c is ChildProcess => c !== null).map((c) => stopChild(c)))
  }
  row.seconds = Math.round((performance.now() - t0) / 100) / 10
  return row
}

// ---------------------------------------------------------------- run and report

console.log(`pnpm fuzz: ${frames} hostile frames per transport (${transports.join(', ')}), seed ${seed}${args.parallel ? ', in parallel' : ''}`)
const rows: Row[] = []
if (args.parallel) rows.push(...(await Promise.all(transports.map(runTransport))))
else for (const t of transports) rows.push(await runTransport(t))

const cols = ['transport', 'frames', 'sequences', 'crashes', 'good calls', 'failures', 'p50 ms', 'p99 ms', 'rss MiB', 'heap MiB', 'left', 'seconds']
const table = rows.map((r) => [
  r.transport,
  String(r.frames),
  String(r.sequences),
  r.crash ? '1' : '0',
  r.good ? String(r.good.calls) : '?',
  r.good ? String(r.good.failures) : '?',
  r.good?.p50Ms != null ? r.good.p50Ms.toFixed(2) : '?',
  r.good?.p99Ms != null ? r.good.p99Ms.toFixed(2) : '?',
  `${r.before?.rssMb ?? '?'} -> ${r.after?.rssMb ?? '?'}`,
  `${r.before?.heapMb ?? '?'} -> ${r.after?.heapMb ?? '?'}`,
  r.after ? String(r.after.sessionCount + r.after.halfOpenCount) : '?',
  String(r.seconds),
])
const widths = cols.map((c, i) => Math.max(c.length, ...table.map((row) => row[i]!.length)))
const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
console.log(`\n${line(cols)}`)
for (const r of table) console.log(line(r))
console.log('(left: sessions + half-open handshakes on the server after the drain; rss/heap: server before the attack -> after the drain, heap after gc)')

let failed = false
for (const r of rows) {
  if (r.crash) {
    failed = true
    console.log(`\n${r.transport}: SERVER CRASHED after about ${r.frames} frames: ${r.crash}`)
  }
  if (!r.good || r.good.failures > 0) {
    failed = true
    console.log(
      `\n${r.transport}: good client ${r.good ? `failed ${r.good.failures} of ${r.good.calls} calls: ${r.good.errors.join(' | ')}` : 'did not report'}`,
    )
  }
  for (const e of r.errors) {
    failed = true
    console.log(`\n${r.transport}: ${e}`)
  }
  if (r.problemCount > 0) {
    const why = r.crash ? 'most are the crash: sessions in progress when the server died' : 'findings to look at; the fuzz tests name them'
    console.log(`\n${r.transport}: ${r.problemCount} broken expectations seen by the attacker (${why}), first ones:`)
    for (const p of r.problems.slice(0, 5)) console.log(`  ${p.slice(0, 240)}`)
    console.log('  by case (broken / runs):')
    for (const c of r.cases.filter((c) => c.problems > 0).sort((a, b) => b.problems - a.problems))
      console.log(`  ${String(c.problems).padStart(6)} / ${String(c.runs).padEnd(6)} ${c.name}`)
  }
  if (r.after && (r.after.sessionCount > 0 || r.after.halfOpenCount > 0)) {
    console.log(`\n${r.transport}: server state after the drain: ${JSON.stringify(r.after)}`)
  }
}
console.log(failed ? `\nFAILED (seed ${seed})` : `\nOK: no crash, no good-client failure (seed ${seed})`)
process.exitCode = failed ? 1 : 0
