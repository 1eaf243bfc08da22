// The web engine's compact ChaCha20-Poly1305 (src/web/chacha20-poly1305.ts) against
// @noble/ciphers, which it replaced in the browser bundle: seal + open of 40-byte records and
// of 64 KiB records, in alternating rounds on CPU time, 3 runs each (best round of each run).
// Run: pnpm --filter @kp/crypto bench:aead-web   (BENCH_MS changes the round length)
import { randomBytes } from 'node:crypto'
import type { Aead } from '../src/aead.js'
import { NobleAead } from '../src/noble/chacha.js'
import { chachaAead } from '../src/web/chacha20-poly1305.js'
import { opsPerSec } from './ops.js'

const ROUND_MS = Number(process.env.BENCH_MS ?? 300)
const ROUNDS = 5
const RUNS = 3

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})

const impls: { name: string; make: (key: Uint8Array) => Aead }[] = [
  { name: 'compact', make: chachaAead },
  { name: 'noble', make: (key) => new NobleAead(key) },
]

/** seal + open of one `size`-byte record with a fresh nonce and 8 bytes of AAD. */
function sealOpen(aead: Aead, size: number): () => void {
  const nonce = new Uint8Array(12)
  const aad = randomBytes(8)
  const pt = randomBytes(size)
  let i = 0
  return () => {
    nonce[0] = i++
    const sealed = aead.seal(nonce, pt, aad)
    aead.open(nonce, sealed, aad)
  }
}

function measure(size: number): Map<string, number> {
  const key = randomBytes(32)
  const fns = impls.map((x) => ({ name: x.name, fn: sealOpen(x.make(key), size) }))
  const best = new Map(fns.map((f) => [f.name, 0]))
  for (const { fn } of fns) opsPerSec(fn, 100) // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (let j = 0; j < fns.length; j++) {
      const { name, fn } = fns[(r + j) % fns.length]!
      gc()
      best.set(name, Math.max(best.get(name)!, opsPerSec(fn, ROUND_MS)))
    }
  }
  return best
}

console.log(`node ${process.version}, ${ROUNDS} rounds of ${ROUND_MS} ms CPU per run, best round`)
for (const size of [40, 64 * 1024]) {
  for (let run = 1; run <= RUNS; run++) {
    const m = measure(size)
    const c = m.get('compact')!
    const n = m.get('noble')!
    const fmt =
      size === 40
        ? (ops: number) => `${Math.round(ops).toLocaleString('en')} seal+open/s`
        : (ops: number) => `${((ops * 2 * size) / 1e6).toFixed(0)} MB/s (sealed + opened bytes)`
    console.log(`${size === 40 ? '40 B ' : '64 KiB'} run ${run}: compact ${fmt(c)}, noble ${fmt(n)}: compact/noble ${(c / n).toFixed(2)}`)
  }
}
