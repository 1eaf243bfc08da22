/**
 * Summarizes V8 CPU profiles (`pnpm bench --cpu-prof` writes them to results/profiles/):
 * self time per function and per package/file. Usage:
 * `tsx src/profile-summary.ts results/profiles/kp-tcp-server-0.cpuprofile [...] [--top 25]`
 */
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface Profile {
  nodes: Node[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

const argv = process.argv.slice(2)
const topAt = argv.indexOf('--top')
const top = topAt >= 0 ? Number(argv[topAt + 1]) : 25
const files = argv.filter((a, i) => !a.startsWith('--') && (topAt < 0 || i !== topAt + 1))

/** Where a function lives: `core/record/record-sealer.ts`, `node:net`, `ws`, `(gc)`... */
function place(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)'
  const pkg = url.match(/\/packages\/([^/]+)\/src\/(.+)$/)
  if (pkg) return `${pkg[1]}/${pkg[2]}`
  const nm = url.match(/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//)
  if (nm) return nm[1]!
  if (url.startsWith('node:')) return url
  const bench = url.match(/\/bench\/src\/(.+)$/)
  if (bench) return `bench/${bench[1]}`
  return url.replace(/^file:\/\//, '')
}

for (const file of files) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  // the profiler's own start/stop calls are not the system's work
  const skip = new Set<number>()
  const mark = (id: number) => {
    skip.add(id)
    for (const c of byId.get(id)!.children ?? []) mark(c)
  }
  for (const n of p.nodes) if (n.callFrame.functionName === 'startProfile' || n.callFrame.functionName === 'stopProfile') mark(n.id)
  const self = new Map<number, number>()
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!
    if (!skip.has(id)) self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0))
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0)
  const idle = [...self].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((a, [, t]) => a + t, 0)
  const busy = total - idle
  const fnTime = new Map<string, number>()
  const placeTime = new Map<string, number>()
  for (const [id, t] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame
    if (functionName === '(idle)') continue
    const where = place(url, functionName)
    const key = `${functionName || '(anonymous)'}  ${where}${url ? `:${lineNumber + 1}` : ''}`
    fnTime.set(key, (fnTime.get(key) ?? 0) + t)
    placeTime.set(where, (placeTime.get(where) ?? 0) + t)
  }
  const pct = (t: number) => `${((100 * t) / busy).toFixed(1).padStart(5)}%`
  console.log(
    `\n== ${basename(file)}: ${(total / 1e6).toFixed(2)} s profiled, ${(busy / 1e6).toFixed(2)} s busy (${((100 * busy) / total).toFixed(0)}%); shares below are of busy time`,
  )
  console.log('-- self time by function')
  for (const [k, t] of [...fnTime].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${k}`)
  console.log('-- self time by file / package')
  for (const [k, t] of [...placeTime].sort((a, b) => b[1] - a[1]).slice(0, Math.ceil(top / 2))) console.log(`${pct(t)}  ${k}`)
}
