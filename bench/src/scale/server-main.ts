/** Scale server child: `server-main.ts <system> <sessions>`; answers the orchestrator's requests. */
import { performance } from 'node:perf_hooks'
import { startProfile, stopProfile } from '../profiler.js'
import { epochMs, reply, serveRequests, sleep } from './child.js'
import type { ScaleServerModule } from './types.js'

const [system, sessionsArg] = process.argv.slice(2)
const mod = (await import(`./systems/${system}/server.js`)) as ScaleServerModule
const server = await mod.startServer({ host: '127.0.0.1', sessions: Number(sessionsArg) })
const gc = (globalThis as { gc?: () => void }).gc

/** Event-loop busy time so far (ms), for utilisation over a window. */
const elu = () => performance.eventLoopUtilization()

serveRequests({
  async mem() {
    // twice, with turns between: weak callbacks and finalizers of the first pass run before the second
    gc?.()
    await sleep(50)
    gc?.()
    await sleep(50)
    return { ...process.memoryUsage() }
  },
  cpu() {
    const u = process.cpuUsage()
    const e = elu()
    return { us: u.user + u.system, at: epochMs(), active: e.active, idle: e.idle }
  },
  sessions: () => server.sessions(),
  'profile-start': () => startProfile(),
  'profile-stop': (file: string) => stopProfile(file),
  stats: async () => (await server.stats?.()) ?? {},
  async broadcast(seq: number) {
    const cpu0 = process.cpuUsage()
    const t0 = epochMs()
    const count = server.broadcast(seq)
    const syncMs = epochMs() - t0
    // the records are sealed and written at the end of this turn (and the next tick)
    await new Promise((r) => setImmediate(r))
    await new Promise((r) => setImmediate(r))
    const doneMs = epochMs() - t0
    const c = process.cpuUsage(cpu0)
    return { t0, count, syncMs, doneMs, cpuMs: (c.user + c.system) / 1000 }
  },
  async close() {
    await Promise.race([server.close(), sleep(10_000)])
    setTimeout(() => process.exit(0), 100)
    return true
  },
})
await reply({ id: 0, ok: true, value: server.info })
