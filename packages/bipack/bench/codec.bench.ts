// Encode/decode throughput of a realistic RPC payload: bipack vs JSON (+ UTF-8) vs msgpackr.
// Run: pnpm bench   (tsx --conditions=@kp/source bench/codec.bench.ts)
import { Packr } from 'msgpackr'
import * as bp from '@kp/bipack'

const Item = bp.struct({ id: bp.int, name: bp.string, ok: bp.bool })
const Payload = bp.struct({
  method: bp.string,
  callId: bp.int,
  timestamp: bp.int,
  flags: bp.int,
  key: bp.fixedBytes(32),
  items: bp.list(Item),
})
type Payload = bp.Infer<typeof Payload>

const key = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 255)
const value: Payload = {
  method: 'chat.postMessage',
  callId: 12345,
  timestamp: 1_760_000_000_000,
  flags: 3,
  key,
  items: Array.from({ length: 10 }, (_, i) => ({ id: i * 100 + 7, name: `item-${i}`, ok: i % 2 === 0 })),
}

// JSON cannot carry bytes: the key travels as hex, as a JSON API would send it.
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
const toHex = (b: Uint8Array) => {
  let s = ''
  for (let i = 0; i < b.length; i++) s += HEX[b[i]!]
  return s
}
const fromHex = (s: string) => {
  const out = new Uint8Array(s.length >> 1)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(s.substr(i * 2, 2), 16)
  return out
}
const te = new TextEncoder()
const td = new TextDecoder()

interface Codec {
  name: string
  encode(v: Payload): Uint8Array
  decode(b: Uint8Array): unknown
}

const writer = new bp.BipackWriter(1024)
const packPlain = new Packr({ useRecords: false })
const packRecords = new Packr() // records mode (default); definitions travel in each message
const packShared = new Packr({ structures: [] }) // records shared in-process by both ends

const codecs: Codec[] = [
  { name: 'bipack', encode: (v) => Payload.encode(v), decode: (b) => Payload.decode(b) },
  {
    name: 'bipack (reused writer, view)',
    encode: (v) => {
      writer.reset()
      Payload.write(writer, v)
      return writer.view()
    },
    decode: (b) => Payload.decode(b),
  },
  {
    name: 'JSON + UTF-8',
    encode: (v) => te.encode(JSON.stringify({ ...v, key: toHex(v.key) })),
    decode: (b) => {
      const o = JSON.parse(td.decode(b))
      o.key = fromHex(o.key)
      return o
    },
  },
  { name: 'msgpackr (useRecords: false)', encode: (v) => packPlain.pack(v), decode: (b) => packPlain.unpack(b) },
  { name: 'msgpackr (records)', encode: (v) => packRecords.pack(v), decode: (b) => packRecords.unpack(b) },
  { name: 'msgpackr (shared structures)', encode: (v) => packShared.pack(v), decode: (b) => packShared.unpack(b) },
]

let sink = 0
// Process CPU time rather than wall time: other processes on a busy machine then cost us less
// noise (the loop is single-threaded and never waits).
const cpuMs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}
function opsPerSec(fn: () => unknown, ms: number): number {
  // Calibrate a batch size of ~5 ms, then count batches for `ms`.
  let batch = 64
  for (;;) {
    const t0 = cpuMs()
    for (let i = 0; i < batch; i++) sink ^= (fn() as { length?: number })?.length ?? 1
    if (cpuMs() - t0 > 5) break
    batch *= 2
  }
  let ops = 0
  const t0 = cpuMs()
  let t = t0
  while (t - t0 < ms) {
    for (let i = 0; i < batch; i++) sink ^= (fn() as { length?: number })?.length ?? 1
    ops += batch
    t = cpuMs()
  }
  return (ops * 1000) / (t - t0)
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[s.length >> 1]!
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const MS = Number(process.env.BENCH_MS ?? 300)

// Sanity: every codec round-trips the payload.
for (const c of codecs) {
  const back = c.decode(c.encode(value)) as Payload
  if (back.items.length !== 10 || back.method !== value.method || back.key[31] !== key[31]) throw new Error(`${c.name} does not round-trip`)
}

const results = codecs.map((c) => {
  const bytes = c.encode(value).slice()
  const enc: number[] = []
  const dec: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    enc.push(opsPerSec(() => c.encode(value), MS))
    dec.push(opsPerSec(() => c.decode(bytes), MS))
  }
  return { name: c.name, enc: median(enc), dec: median(dec), size: bytes.length }
})

const base = results[0]!
const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
const x = (n: number) => `${n.toFixed(2)}×`
const head = ['codec', 'encode ops/s', 'decode ops/s', 'bytes', 'encode vs bipack', 'decode vs bipack', 'size vs bipack']
console.log(`node ${process.version}, ${ROUNDS} rounds × ${MS} ms CPU time each, median; "vs bipack" < 1 means slower or smaller\n`)
console.log(`| ${head.join(' | ')} |`)
console.log(`|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`)
for (const r of results)
  console.log(`| ${[r.name, fmt(r.enc), fmt(r.dec), r.size, x(r.enc / base.enc), x(r.dec / base.dec), x(r.size / base.size)].join(' | ')} |`)
if (sink === 0.5) console.log(sink)
