/** Latency histograms in 0.1 ms buckets, mergeable across processes. */
import type { Histogram } from './types.js'

/** Adds one latency (ms). */
export function record(h: Histogram, ms: number): void {
  const b = Math.max(0, Math.round(ms * 10))
  h[b] = (h[b] ?? 0) + 1
}

/** Adds `from` into `into`. */
export function merge(into: Histogram, from: Histogram): void {
  for (const k in from) into[k as unknown as number] = (into[k as unknown as number] ?? 0) + from[k as unknown as number]!
}

/** The q-quantile (0..1) in ms; NaN when empty. */
export function quantileOf(h: Histogram, q: number): number {
  const keys = Object.keys(h)
    .map(Number)
    .sort((a, b) => a - b)
  let total = 0
  for (const k of keys) total += h[k]!
  if (total === 0) return Number.NaN
  const rank = Math.max(1, Math.ceil(total * q))
  let seen = 0
  for (const k of keys) {
    seen += h[k]!
    if (seen >= rank) return k / 10
  }
  return keys[keys.length - 1]! / 10
}
