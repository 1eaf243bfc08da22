/**
 * Where an idle session's memory goes: `node --import ./src/scale/ts-register.mjs --conditions=@kp/source --expose-gc src/scale/heap-profile.ts <system> [sessions]`.
 *
 * Starts the system's server in this process, opens `sessions` (default 2 000) sessions from a
 * client process, and writes a V8 heap snapshot before and after; prints the difference by
 * constructor (self size and count per session) and the process's RSS, heap and external
 * memory per session.
 */
import { spawn } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeHeapSnapshot } from 'node:v8'
import type { Reply, ScaleServerModule } from './types.js'

const HERE = fileURLToPath(new URL('.', import.meta.url))
const [system = 'kp-tcp', sessionsArg = '2000'] = process.argv.slice(2)
const sessions = Number(sessionsArg)
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with --expose-gc')
const settle = async () => {
  for (let i = 0; i < 3; i++) {
    gc()
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Self size and count by `type:name` of every node in a heap snapshot. */
function aggregate(file: string): Map<string, { size: number; count: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8'))
  const fields: string[] = snap.snapshot.meta.node_fields
  const types: string[] = snap.snapshot.meta.node_types[0]
  const nf = fields.length
  const iType = fields.indexOf('type')
  const iName = fields.indexOf('name')
  const iSize = fields.indexOf('self_size')
  const nodes: number[] = snap.nodes
  const strings: string[] = snap.strings
  const out = new Map<string, { size: number; count: number }>()
  for (let i = 0; i < nodes.length; i += nf) {
    const type = types[nodes[i + iType]!]!
    let name = strings[nodes[i + iName]!]!
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') name = '(strings)'
    else if (type === 'code') name = '(code)'
    else if (type === 'closure') name = `closure ${name}`
    else if (name.length > 60) name = `${name.slice(0, 60)}…`
    const key = `${type}:${name}`
    const e = out.get(key)
    if (e) {
      e.size += nodes[i + iSize]!
      e.count++
    } else out.set(key, { size: nodes[i + iSize]!, count: 1 })
  }
  return out
}

/** For nodes of some kinds, who points at them (owner type:name via edge name). */
function owners(file: string): Map<string, { size: number; count: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8'))
  const meta = snap.snapshot.meta
  const nf = meta.node_fields.length
  const ef = meta.edge_fields.length
  const types: string[] = meta.node_types[0]
  const etypes: string[] = meta.edge_types[0]
  const iType = meta.node_fields.indexOf('type')
  const iName = meta.node_fields.indexOf('name')
  const iSize = meta.node_fields.indexOf('self_size')
  const iEc = meta.node_fields.indexOf('edge_count')
  const eType = meta.edge_fields.indexOf('type')
  const eName = meta.edge_fields.indexOf('name_or_index')
  const eTo = meta.edge_fields.indexOf('to_node')
  const nodes: number[] = snap.nodes
  const edges: number[] = snap.edges
  const strings: string[] = snap.strings
  const label = (i: number) => `${types[nodes[i + iType]!]}:${strings[nodes[i + iName]!]!.slice(0, 40)}`
  const want = (i: number) => {
    const t = types[nodes[i + iType]!]
    const nm = strings[nodes[i + iName]!]
    return (
      (t === 'array' && nm === '(object properties)') ||
      t === 'closure' ||
      (t === 'object' && (nm === 'Object' || nm === 'Uint8Array' || nm === 'system / Context' || nm === 'Array'))
    )
  }
  const out = new Map<string, { size: number; count: number }>()
  const seen = new Set<number>()
  // first pass: who holds each closure (for the owners of property arrays of closures)
  const parentOf = new Map<number, string>()
  let e = 0
  for (let i = 0; i < nodes.length; i += nf) {
    const ec = nodes[i + iEc]!
    for (let k = 0; k < ec; k++, e += ef) {
      const to = edges[e + eTo]!
      const et = etypes[edges[e + eType]!]
      if (et === 'weak' || parentOf.has(to) || types[nodes[to + iType]!] !== 'closure') continue
      const en = et === 'element' || et === 'hidden' ? `[${edges[e + eName]}]` : strings[edges[e + eName]!]
      parentOf.set(to, `${label(i)}.${en}`)
    }
  }
  e = 0
  for (let i = 0; i < nodes.length; i += nf) {
    const ec = nodes[i + iEc]!
    for (let k = 0; k < ec; k++, e += ef) {
      const to = edges[e + eTo]!
      if (seen.has(to) || !want(to)) continue
      if (etypes[edges[e + eType]!] === 'weak') continue
      seen.add(to)
      const et = etypes[edges[e + eType]!]
      const en = et === 'element' || et === 'hidden' ? `[${edges[e + eName]}]` : strings[edges[e + eName]!]
      let key = `${label(to)} <- ${label(i)}.${en}`
      if (en === 'properties' && parentOf.has(i)) key += ` <- ${parentOf.get(i)}`
      const r = out.get(key)
      if (r) {
        r.size += nodes[to + iSize]!
        r.count++
      } else out.set(key, { size: nodes[to + iSize]!, count: 1 })
    }
  }
  return out
}

const mod = (await import(`./systems/${system}/server.js`)) as ScaleServerModule
const server = await mod.startServer({ host: '127.0.0.1', sessions })
const tsx = import.meta.resolve('tsx')
const child = spawn(process.execPath, ['--import', tsx, '--conditions=@kp/source', join(HERE, 'client-main.ts'), system, '0', JSON.stringify(server.info)], {
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
})
const answer = (id: number) =>
  new Promise<unknown>((resolve, reject) => {
    const on = (m: Reply) => {
      if (m.id !== id) return
      child.off('message', on)
      if (m.ok) resolve(m.value)
      else reject(new Error(m.error))
    }
    child.on('message', on)
  })
await answer(0)

await settle()
const before = join(tmpdir(), `kp-heap-before-${process.pid}.heapsnapshot`)
const after = join(tmpdir(), `kp-heap-after-${process.pid}.heapsnapshot`)
const m0 = process.memoryUsage()
writeHeapSnapshot(before)
await settle()
const m0b = process.memoryUsage()
child.send({ id: 1, op: 'connect', arg: { count: sessions, addresses: ['127.0.0.2', '127.0.0.3'], concurrency: 32, deadlineMs: 120_000 } })
const report = (await answer(1)) as { ok: number; failed: number }
await new Promise((r) => setTimeout(r, 2_000))
await settle()
const m1 = process.memoryUsage()
writeHeapSnapshot(after)
const n = server.sessions()
console.log(`${system}: ${n} sessions (${report.failed} failed)`)
const per = (a: number, b: number) => `${((b - a) / n / 1024).toFixed(2)} KiB`
console.log(
  `per session: rss ${per(m0b.rss, m1.rss)}, heapUsed ${per(m0b.heapUsed, m1.heapUsed)}, external ${per(m0b.external, m1.external)} (arrayBuffers ${per(m0b.arrayBuffers, m1.arrayBuffers)})`,
)
void m0

const a = aggregate(before)
const b = aggregate(after)
if (process.env.KP_HEAP_OWNERS) {
  const oa = owners(before)
  const ob = owners(after)
  const rows2: [string, number, number][] = []
  for (const [k, v] of ob) {
    const o = oa.get(k) ?? { size: 0, count: 0 }
    rows2.push([k, (v.size - o.size) / n, (v.count - o.count) / n])
  }
  rows2.sort((x, y) => y[1] - x[1])
  console.log('owners of property arrays, closures, plain objects, Uint8Arrays (bytes per session, objects per session):')
  for (const [k, sz, c] of rows2.slice(0, 40)) console.log(`${sz.toFixed(0).padStart(7)} B ${c.toFixed(2).padStart(7)}  ${k}`)
}
rmSync(before)
rmSync(after)
const rows: { key: string; size: number; count: number }[] = []
for (const [key, v] of b) {
  const o = a.get(key) ?? { size: 0, count: 0 }
  rows.push({ key, size: (v.size - o.size) / n, count: (v.count - o.count) / n })
}
rows.sort((x, y) => y.size - x.size)
let total = 0
for (const r of rows) total += r.size
console.log(`heap snapshot: ${(total / 1024).toFixed(2)} KiB self size per session; by constructor (bytes per session, objects per session):`)
for (const r of rows.slice(0, 45)) console.log(`${r.size.toFixed(0).padStart(7)} B ${r.count.toFixed(2).padStart(7)}  ${r.key}`)
child.send({ id: 2, op: 'close' })
await new Promise((r) => setTimeout(r, 1_000))
child.kill('SIGKILL')
await server.close()
process.exit(0)
