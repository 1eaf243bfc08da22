import { mulberry32 } from '../transport/prng.js'

/**
 * A seeded random source for hostile-input generators (mulberry32): the same seed gives the
 * same sequence of frames, so a failure replays with `KP_FUZZ_SEED=<seed>`.
 */
export class FuzzRandom {
  private readonly next: () => number

  constructor(readonly seed: number) {
    if (!Number.isInteger(seed)) throw new TypeError(`"seed" expected an integer, got ${seed}`)
    this.next = mulberry32(seed)
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next()
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** An integer in [min, max] (both included). */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1)
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!
  }

  /** One element of `[weight, value]` pairs, chosen by weight. */
  weighted<T>(items: readonly (readonly [number, T])[]): T {
    let total = 0
    for (const [w] of items) total += w
    let x = this.next() * total
    for (const [w, v] of items) {
      x -= w
      if (x < 0) return v
    }
    return items[items.length - 1]![1]
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i += 4) {
      const v = (this.next() * 4294967296) >>> 0
      out[i] = v & 255
      if (i + 1 < n) out[i + 1] = (v >>> 8) & 255
      if (i + 2 < n) out[i + 2] = (v >>> 16) & 255
      if (i + 3 < n) out[i + 3] = v >>> 24
    }
    return out
  }

  /** A derived generator (independent stream) for one lane or one case. */
  fork(): FuzzRandom {
    return new FuzzRandom((this.next() * 4294967296) >>> 0)
  }
}

/** The seed of a fuzz run: `KP_FUZZ_SEED` when set (decimal or 0x hex), else `fallback`. */
export function fuzzSeed(fallback: number): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.KP_FUZZ_SEED
  if (env === undefined || env === '') return fallback
  const n = Number(env)
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`"KP_FUZZ_SEED" expected an integer 0..2^32-1, got ${env}`)
  return n
}
