/**
 * `pnpm --filter @kp/bench bench:cluster`: pushes between two server processes through the cluster
 * bus, Kiloparsec + NATS (sealed and plain) against socket.io + its Redis adapter, in one run:
 * cross-node push latency (p50/p99), pushes/s, and fan-out to one topic with N members spread
 * over the two nodes. Starts nats-server and redis-server (Debian's packages) on 127.0.0.1.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SigningKey } from '@kp/core'
import { freePort, startNatsServer } from '@kp/cluster-nats/testing'
import { quantile } from '../stats.js'
import { type ChildReply, type ClientReport, SYSTEMS, type SystemName } from './protocol.js'
import { Children } from '../../../scripts/bench/children.js'

const HERE = dirname(fileURLToPath(import.meta.url))
const RESULTS = join(HERE, '../../results')
const argv = process.argv.slice(2)
const quick = argv.includes('--quick')
const flag = (name: string) => {
  const i = argv.indexOf(name)
  return i >= 0 ? argv[i + 1] : undefined
}
const only = flag('--only')?.split(',') as SystemName[] | undefined
const members = Number(flag('--members') ?? (quick ? 2000 : 10_000))
const cfg = {
  latencyPushes: quick ? 500 : 2000,
  latencyIntervalMs: 1,
  burstPushes: quick ? 10_000 : 50_000,
  fanouts: quick ? 5 : 10,
  fanGapMs: 500,
  members,
}
const REDIS_BIN = '/usr/bin/redis-server'

const children = new Children()
const tsx = import.meta.resolve('tsx')
function child(script: string, args: string[]): ChildProcess {
  const c = fork(join(HERE, script), args, {
    execArgv: ['--import', tsx, '--conditions=@kp/source'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, NODE_ENV: 'production' },
  })
  return children.track(c)
}

/** The next reply of `c` of type `type` (bounded). */
function next<T extends ChildReply['type']>(c: ChildProcess, type: T, timeoutMs = 120_000): Promise<Extract<ChildReply, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no '${type}' within ${timeoutMs} ms`)), timeoutMs)
    const on = (m: ChildReply) => {
      if (m.type === 'fatal') done(new Error(m.error))
      else if (m.type === type) done(null, m as Extract<ChildReply, { type: T }>)
    }
    const onExit = (code: number | null) => done(new Error(`child exited (${code}) while waiting for '${type}'`))
    const done = (e: Error | null, m?: Extract<ChildReply, { type: T }>) => {
      clearTimeout(timer)
      c.off('message', on)
      c.off('exit', onExit)
      if (e) reject(e)
      else resolve(m!)
    }
    c.on('message', on)
    c.once('exit', onExit)
  })
}

async function ask<T extends ChildReply['type']>(c: ChildProcess, msg: object, type: T, timeoutMs?: number) {
  const p = next(c, type, timeoutMs)
  c.send(msg)
  return await p
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function startRedis(): Promise<{ url: string; stop(): void }> {
  if (!existsSync(REDIS_BIN))
    throw new Error(`redis-server not found at ${REDIS_BIN}: install Debian's redis-server package (sudo apt-get install redis-server)`)
  const port = await freePort()
  const p = spawn(REDIS_BIN, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  const { createConnection } = await import('node:net')
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => {
        s.destroy()
        r(true)
      })
      s.once('error', () => r(false))
    })
    if (ok) return { url: `redis://127.0.0.1:${port}`, stop: () => p.kill('SIGTERM') }
    await sleep(50)
  }
  p.kill('SIGKILL')
  throw new Error('redis-server did not start')
}

interface Row {
  system: SystemName
  latencyP50: number
  latencyP99: number
  latencyN: number
  pushesPerS: number
  burstDelivered: number
  cpuUsPerPush: number
  members: number
  connectS: number
  fanCompletionMs: number
  fanP50: number
  fanP99: number
  fanDelivered: number
  memberRssMiB: number
}

async function runSystem(system: SystemName, urls: { nats: string; redis: string }): Promise<Row> {
  const key = SigningKey.generate()
  const bus = system === 'socketio-redis' ? urls.redis : urls.nats
  const clusterKey = randomBytes(32).toString('hex')
  const a = child('server.ts', [system, bus, key.toHex(), clusterKey])
  const b = child('server.ts', [system, bus, key.toHex(), clusterKey])
  const [ra, rb] = await Promise.all([next(a, 'ready'), next(b, 'ready')])
  const id = key.publicKey.toBase64url()

  // one receiver on node B, pushed to from node A
  const r = child('client.ts', [system, String(rb.port), id])
  await next(r, 'ready')
  const target = (await ask(r, { cmd: 'connect', count: 1 }, 'connected')).ids[0]!
  await sleep(500) // presence / room membership reaches node A

  await ask(a, { cmd: 'latency', target, n: cfg.latencyPushes, intervalMs: cfg.latencyIntervalMs }, 'done')
  await sleep(500)
  const lat = (await ask(r, { cmd: 'report' }, 'report')).report.latency

  const cpu0 = await Promise.all([ask(a, { cmd: 'cpu' }, 'cpu'), ask(b, { cmd: 'cpu' }, 'cpu')])
  const burst = await ask(a, { cmd: 'burst', target, n: cfg.burstPushes }, 'done')
  let rep: ClientReport
  const deadline = Date.now() + 60_000
  do {
    await sleep(200)
    rep = (await ask(r, { cmd: 'report' }, 'report')).report
  } while (rep.burstCount < cfg.burstPushes && Date.now() < deadline && !(rep.burstLastAt > 0 && Date.now() - rep.burstLastAt > 3000))
  const cpu1 = await Promise.all([ask(a, { cmd: 'cpu' }, 'cpu'), ask(b, { cmd: 'cpu' }, 'cpu')])
  const cpuUs = cpu1.reduce((s, c, i) => s + c.userUs + c.systemUs - cpu0[i]!.userUs - cpu0[i]!.systemUs, 0)
  const pushesPerS = rep.burstCount / ((rep.burstLastAt - burst.startedAt) / 1000)

  // fan-out: members/2 sessions on each node, from two more client processes
  const ma = child('client.ts', [system, String(ra.port), id])
  const mb = child('client.ts', [system, String(rb.port), id])
  await Promise.all([next(ma, 'ready'), next(mb, 'ready')])
  const t0 = Date.now()
  await Promise.all([
    ask(ma, { cmd: 'connect', count: Math.ceil(cfg.members / 2) }, 'connected', 900_000),
    ask(mb, { cmd: 'connect', count: Math.floor(cfg.members / 2) }, 'connected', 900_000),
  ])
  const connectS = (Date.now() - t0) / 1000
  await sleep(1000)
  const fan = await ask(a, { cmd: 'fanout', n: cfg.fanouts, gapMs: cfg.fanGapMs }, 'done', 120_000)
  await sleep(2000)
  const reports = await Promise.all([ma, mb, r].map(async (c) => (await ask(c, { cmd: 'report' }, 'report')).report))
  const total = cfg.members + 1 // the receiver is a member too
  const completions: number[] = []
  let delivered = 0
  for (let seq = 0; seq < cfg.fanouts; seq++) {
    let count = 0
    let max = 0
    for (const rp of reports) {
      const f = rp.fan[seq]
      if (f) {
        count += f.count
        max = Math.max(max, f.max)
      }
    }
    delivered += count
    completions.push(max)
  }
  const samples = reports.flatMap((rp) => rp.fanSamples)
  for (const c of [a, b, r, ma, mb]) c.kill('SIGKILL')
  await sleep(300)
  return {
    system,
    latencyP50: quantile(lat, 0.5),
    latencyP99: quantile(lat, 0.99),
    latencyN: lat.length,
    pushesPerS,
    burstDelivered: rep.burstCount / cfg.burstPushes,
    cpuUsPerPush: cpuUs / Math.max(1, rep.burstCount),
    members: fan.sessions !== undefined ? total : total,
    connectS,
    fanCompletionMs: quantile(completions, 0.5),
    fanP50: quantile(samples, 0.5),
    fanP99: quantile(samples, 0.99),
    fanDelivered: delivered / (total * cfg.fanouts),
    memberRssMiB: (reports[0]!.rss + reports[1]!.rss) / 2 ** 20,
  }
}

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(x < 10 ? 2 : 1) : '–')
const f0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US').replace(/,/g, ' ') : '–')
const pct = (x: number) => `${(x * 100).toFixed(x < 1 ? 2 : 0)} %`

function table(rows: Row[]): string {
  const lines = [
    '| system | push p50 | push p99 | pushes/s | CPU per push (both servers) | delivered | fan-out: members | completion (median of publishes) | member p50 | member p99 | delivered |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for (const r of rows) {
    lines.push(
      `| ${r.system} | ${f1(r.latencyP50)} ms | ${f1(r.latencyP99)} ms | ${f0(r.pushesPerS)} | ${f1(r.cpuUsPerPush)} µs | ${pct(r.burstDelivered)} | ${f0(r.members)} | ${f1(r.fanCompletionMs)} ms | ${f1(r.fanP50)} ms | ${f1(r.fanP99)} ms | ${pct(r.fanDelivered)} |`,
    )
  }
  return lines.join('\n')
}

async function main(): Promise<void> {
  const systems = only ?? [...SYSTEMS]
  console.log(
    `cluster bench: ${systems.join(', ')}; ${cfg.latencyPushes} pushes at 1 per ${cfg.latencyIntervalMs} ms, ${cfg.burstPushes} in a burst, ${cfg.fanouts} publishes to ${cfg.members} members (+ the receiver) over 2 nodes`,
  )
  const nats = await startNatsServer()
  const redis = await startRedis()
  const rows: Row[] = []
  const failed: SystemName[] = []
  try {
    for (const s of systems) {
      const t = Date.now()
      try {
        rows.push(await runSystem(s, { nats: nats.url, redis: redis.url }))
        console.log(`${s}: done in ${((Date.now() - t) / 1000).toFixed(1)} s\n${table(rows.slice(-1))}`)
      } catch (e) {
        failed.push(s)
        console.error(`${s}: FAILED after ${((Date.now() - t) / 1000).toFixed(1)} s: ${(e as Error).message}`)
        children.killAll()
        await sleep(500)
      }
    }
  } finally {
    children.killAll()
    await nats.stop()
    redis.stop()
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`
  const load = loadavg()[0]!.toFixed(1)
  const md = `${table(rows)}\n\n${machine}; load average ${load} at the end; ${new Date().toISOString().slice(0, 10)}; ${quick ? 'quick run' : 'full run'}, ${cfg.members} members${failed.length ? `; FAILED: ${failed.join(', ')}` : ''}\n`
  console.log(`\n${md}`)
  mkdirSync(RESULTS, { recursive: true })
  const name = quick || only ? 'cluster-partial' : 'cluster'
  writeFileSync(join(RESULTS, `${name}.json`), `${JSON.stringify({ machine, load, date: new Date().toISOString(), cfg, rows, failed }, null, 2)}\n`)
  writeFileSync(join(RESULTS, `${name}.md`), md)
  if (failed.length) process.exitCode = 1
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (e) => {
    console.error(e)
    process.exit(1)
  },
)
