/**
 * UDP on every core: calls/s and server CPU per call with 1 and with 2 node:cluster workers
 * (examples/cluster.ts: udpClusterPrimary + `cluster: true`), clients in other processes. Run:
 * `pnpm --filter @kp/transport-udp bench:cluster [--quick]`. Linux only (server CPU from /proc).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { connectUdp } from '../src/index.js'
import { cmdStats, cmdWhoami } from '../examples/cluster-api.js'

const quick = process.argv.includes('--quick')
const MS = quick ? 3_000 : 10_000
const CLIENT_PROCS = 2
const SESSIONS = 50 // per client process
const IN_FLIGHT = 8 // per session
const dir = mkdtempSync(join(tmpdir(), 'kp-udp-cluster-bench-'))
const packageDir = fileURLToPath(new URL('..', import.meta.url))
const NODE = ['--conditions=@kp/source', '--import', 'tsx']

/** User + system CPU of a process so far, ms (Linux /proc; clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(f[11]) + Number(f[12])) * 10
}

function run(args: string[], env: Record<string, string> = {}): { child: ChildProcess; line: Promise<string> } {
  const child = spawn(process.execPath, [...NODE, ...args], { cwd: packageDir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  const line = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d
      const l = out.split('\n').find((x) => x.startsWith('{'))
      if (l) resolve(l)
    })
    child.once('exit', (code) => reject(new Error(`${args[0]} exited (${code}): ${out}`)))
  })
  line.catch(() => {})
  return { child, line }
}

const rows: string[] = []
for (const workers of [1, 2]) {
  const primary = run(['examples/cluster.ts'], { KP_WORKERS: String(workers), KP_PORT: '0', KP_KEY_FILE: join(dir, 'key.pem') })
  const ready = JSON.parse(await primary.line) as { port: number; serverId: string }
  const clients = Array.from({ length: CLIENT_PROCS }, () =>
    run(['bench/cluster-client.ts', String(ready.port), ready.serverId, String(SESSIONS), String(IN_FLIGHT), String(MS)]),
  )
  // worker pids: ask through a probe session per worker until each was seen
  const probes = Array.from({ length: 8 * workers }, () => connectUdp({ host: '127.0.0.1', port: ready.port, serverId: ready.serverId, reconnect: false }))
  const probeOwners = await Promise.all(probes.map((p) => p.call(cmdWhoami, undefined)))
  const pids = [...new Set(probeOwners.map((o) => o.pid))]
  const cpu0 = pids.reduce((a, p) => a + cpuMs(p), 0)
  const t0 = performance.now()
  const results = (await Promise.all(clients.map((c) => c.line))).map((l) => JSON.parse(l) as { calls: number; errors: number; moved: number })
  const wall = performance.now() - t0
  const cpu = pids.reduce((a, p) => a + cpuMs(p), 0) - cpu0
  const stats = await Promise.all(pids.map((pid) => probes[probeOwners.findIndex((o) => o.pid === pid)]!.call(cmdStats, undefined)))
  for (const p of probes) await p.close()
  const calls = results.reduce((a, r) => a + r.calls, 0)
  const errors = results.reduce((a, r) => a + r.errors, 0)
  const moved = results.reduce((a, r) => a + r.moved, 0)
  const relayedOut = stats.reduce((a, s) => a + s.relayedOut, 0)
  const drops = stats.reduce((a, s) => a + s.relayDrops, 0)
  const foreign = stats.reduce((a, s) => a + s.foreignDatagrams, 0)
  const datagramsIn = calls // one CALL datagram per call (plus handshakes and pings, not counted)
  rows.push(
    `| ${workers} | ${Math.round(calls / (MS / 1000)).toLocaleString('en-US')} | ${((cpu * 1000) / Math.max(1, calls)).toFixed(1)} µs | ${workers > 1 ? `${Math.round((relayedOut / Math.max(1, datagramsIn)) * 100)} %` : '–'} | ${errors} | ${moved} | ${drops} | ${foreign} |`,
  )
  console.error(`workers ${workers}: ${calls} calls in ${(wall / 1000).toFixed(1)} s wall (measured ${MS / 1000} s), server CPU ${cpu} ms`)
  primary.child.kill('SIGTERM')
  await new Promise((r) => primary.child.once('exit', r))
}
rmSync(dir, { recursive: true, force: true })
console.log(`| workers | calls/s | server CPU per call (all workers) | datagrams relayed to their owner | failed calls | answers from another worker | relay drops | datagrams at a worker without the session |
|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}`)
process.exit(0)
