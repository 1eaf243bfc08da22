// Timing helpers shared by the crypto benchmarks: CPU time, not wall time (the machine is shared).

/** CPU milliseconds (user + system) of this process. */
export function cpuMs(): number {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}

/** Calls of `fn` per CPU-second over one batch of at least `ms` CPU milliseconds. */
export function opsPerSec(fn: () => void, ms: number): number {
  let n = 1
  for (;;) {
    const t0 = cpuMs()
    for (let i = 0; i < n; i++) fn()
    const took = cpuMs() - t0
    if (took >= ms) return (n * 1000) / took
    n = Math.max(n * 2, Math.ceil((n * ms * 1.1) / Math.max(took, 0.5)))
  }
}
