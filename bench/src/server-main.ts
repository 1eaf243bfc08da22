/** Server child process: `server-main.ts <system dir> <cert dir>`; sends `ready` with its info, lives until disconnected. */
import { guard, loadEnv, send } from './child-util.js'
import { startProfile, stopProfile } from './profiler.js'
import { mainThreadUs } from './thread-cpu.js'
import type { ParentMessage, ServerModule } from './types.js'

guard()
const [dir, certDir] = process.argv.slice(2)
const mod = (await import(`./systems/${dir}/server.js`)) as ServerModule
const info = await mod.startServer(loadEnv(certDir!))
// peak resident memory since the client last asked with `reset` (sampled every 20 ms)
let peak = 0
let sampler: NodeJS.Timeout | undefined
const sampleRss = () => {
  peak = Math.max(peak, process.memoryUsage.rss())
}
process.on('message', (m: ParentMessage) => {
  if (m.type === 'rss?') {
    if (m.reset || !sampler) {
      peak = 0
      clearInterval(sampler)
      sampler = setInterval(sampleRss, 20)
      sampler.unref()
    }
    sampleRss()
    void send({ type: 'rss', id: m.id, rss: process.memoryUsage.rss(), peak })
  }
  if (m.type === 'cpu?') {
    const u = process.cpuUsage()
    void send({ type: 'cpu', id: m.id, us: u.user + u.system, mainUs: mainThreadUs() })
  }
  if (m.type !== 'profile') return
  if (m.action === 'start') void startProfile()
  else void stopProfile(m.file).then(() => send({ type: 'profiled' }))
})
await send({ type: 'ready', info })
