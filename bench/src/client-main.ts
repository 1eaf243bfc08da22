/** Client child process: `client-main.ts <system dir> <cert dir> <server info JSON> <config JSON>`; sends results, then `done`. */
import { guard, loadEnv, send } from './child-util.js'
import { runMeasurements, withTimeout } from './measure.js'
import { startProfile, stopProfile } from './profiler.js'
import type { ClientModule, MeasureConfig, ParentMessage, ServerCpu, ServerInfo } from './types.js'

guard()
const [dir, certDir, infoJson, cfgJson] = process.argv.slice(2)
const info = JSON.parse(infoJson!) as ServerInfo
const cfg = JSON.parse(cfgJson!) as MeasureConfig
const mod = (await import(`./systems/${dir}/client.js`)) as ClientModule
const adapter = await mod.createClient(info, loadEnv(certDir!))
const profileFile = process.env.KP_BENCH_PROFILE

// the server's CPU time, asked through the orchestrator (null when it does not answer)
let nextId = 0
const waiting = new Map<number, (cpu: ServerCpu | null) => void>()
const waitingRss = new Map<number, (r: { rss: number; peak: number } | null) => void>()
process.on('message', (m: ParentMessage) => {
  if (m.type === 'cpu') waiting.get(m.id)?.({ us: m.us, mainUs: m.mainUs })
  if (m.type === 'rss') waitingRss.get(m.id)?.({ rss: m.rss, peak: m.peak })
})
const serverCpu = () =>
  new Promise<ServerCpu | null>((resolve) => {
    const id = nextId++
    const timer = setTimeout(() => done(null), 5_000)
    const done = (cpu: ServerCpu | null) => {
      clearTimeout(timer)
      waiting.delete(id)
      resolve(cpu)
    }
    waiting.set(id, done)
    void send({ type: 'cpu?', id })
  })

// the server's resident memory, asked the same way
const serverRss = (reset: boolean) =>
  new Promise<{ rss: number; peak: number } | null>((resolve) => {
    const id = nextId++
    const timer = setTimeout(() => done(null), 5_000)
    const done = (r: { rss: number; peak: number } | null) => {
      clearTimeout(timer)
      waitingRss.delete(id)
      resolve(r)
    }
    waitingRss.set(id, done)
    void send({ type: 'rss?', id, reset })
  })

const pending: Promise<void>[] = []
await runMeasurements(
  adapter,
  cfg,
  (result) => pending.push(send({ type: 'result', result })),
  async () => {
    await send({ type: 'measuring' })
    if (profileFile) await startProfile()
  },
  serverCpu,
  serverRss,
)
if (profileFile) await stopProfile(profileFile)
await Promise.all(pending)
await withTimeout(Promise.resolve(adapter.dispose?.()), 5_000, 'dispose').catch(() => {})
await send({ type: 'done' })
process.exit(0)
