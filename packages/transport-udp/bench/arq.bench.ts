// The ARQ engine of reliable UDP mode (PROTOCOL.md 9) in KCP's latency test: a message of 8 bytes
// every 20 ms, echoed, 1000 messages, one-way delay 30–61 ms, round-trip loss split between the
// directions, FIFO links. Mean over 30 seeds, next to KCP's published figures for the same setup.
//   pnpm --filter @kp/transport-udp bench:arq [--quick] [--bernoulli]
import { type ArqProfile, type EchoResult, runEcho } from '@kp/core/arq'

const quick = process.argv.includes('--quick')
const lossModel = process.argv.includes('--bernoulli') ? ('bernoulli' as const) : ('bag' as const)
const SEEDS = quick ? 5 : 30
const LOSSES = [0, 10, 30]
/** Sealed ARQ frame (type, ~3-byte counter, 16-byte tag) plus UDP and IPv4 headers, per packet. */
const WIRE_OVERHEAD = 1 + 3 + 16 + 8 + 20

const profiles: [string, ArqProfile][] = [
  ['default', {}],
  ['redundancy 1', { redundancy: 1 }],
  ['no copies (KCP-like)', { redundancy: 0 }],
]

interface Row {
  avg: number
  p99: number
  max: number
  worst: number
  bytes: number
  wire: number
  lost: number
  dup: number
  ooo: number
  retx: number
}

function measure(loss: number, profile: ArqProfile | null): Row {
  const row: Row = { avg: 0, p99: 0, max: 0, worst: 0, bytes: 0, wire: 0, lost: 0, dup: 0, ooo: 0, retx: 0 }
  for (let seed = 1; seed <= SEEDS; seed++) {
    const r: EchoResult =
      profile === null ? runEcho({ seed, lossPercent: loss, raw: true, lossModel }) : runEcho({ seed, lossPercent: loss, profile, lossModel })
    row.avg += r.avg / SEEDS
    row.p99 += r.p99 / SEEDS
    row.max += r.max / SEEDS
    row.worst = Math.max(row.worst, r.max)
    row.bytes += r.bytesPerMessage / SEEDS
    row.wire += (r.bytesPerMessage + r.packetsPerMessage * WIRE_OVERHEAD) / SEEDS
    row.lost += r.lost
    row.dup += r.duplicated
    row.ooo += r.outOfOrder
    if (r.statsA && r.statsB) {
      const s = [r.statsA, r.statsB]
      row.retx += s.reduce((n, x) => n + x.retransmits + x.fastRetransmits + x.earlyRetransmits, 0) / SEEDS
    }
  }
  return row
}

const f = (v: number) => v.toFixed(0).padStart(5)
const t0 = performance.now()
const lines: string[] = []
lines.push(`ARQ echo latency, ${SEEDS} seeds × 1000 messages, loss model: ${lossModel}`)
lines.push('')
lines.push('| profile | RT loss | avg ms | p99 ms | max ms | worst max | payload B/msg | wire B/msg | retx/run | lost | dup | out of order |')
lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
const pure = measure(0, null)
lines.push(
  `| network alone (no ARQ) | 0% | ${f(pure.avg)} | ${f(pure.p99)} | ${f(pure.max)} | ${f(pure.worst)} | 8 | ${f(8 + WIRE_OVERHEAD)} | – | 0 | 0 | 0 |`,
)
let verdict = ''
for (const [name, profile] of profiles) {
  for (const loss of LOSSES) {
    const r = measure(loss, profile)
    lines.push(
      `| ${name} | ${loss}% | ${f(r.avg)} | ${f(r.p99)} | ${f(r.max)} | ${f(r.worst)} | ${r.bytes.toFixed(1)} | ${r.wire.toFixed(1)} | ${r.retx.toFixed(0)} | ${r.lost} | ${r.dup} | ${r.ooo} |`,
    )
    if (name === 'default') {
      if (loss === 0) verdict += `0% loss: +${(r.avg - pure.avg).toFixed(1)} ms over the network alone (target < 5). `
      if (loss === 10)
        verdict += `10% loss: avg ${r.avg.toFixed(1)} ms (target ≤ 124), p99 ${r.p99.toFixed(1)} ms (target ≤ 324), lost ${r.lost}, duplicated ${r.dup}.`
    }
  }
}
lines.push('| KCP "normal" (published) | 10% | 156 | 467 | 562 | | | | | | | |')
lines.push('| KCP "fast" (published) | 10% | 138 | 324 | 400 | | | | | | | |')
lines.push('| kcptun fast3 (published) | 10% | 142 | 339 | 392 | | | | | | | |')
lines.push('')
lines.push(verdict)
lines.push(`(${((performance.now() - t0) / 1000).toFixed(1)} s)`)
console.log(lines.join('\n'))
