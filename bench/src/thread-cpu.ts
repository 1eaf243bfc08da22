import { readFileSync } from 'node:fs'

const statFile = `/proc/self/task/${process.pid}/schedstat`

/**
 * CPU time of this process's main thread so far, in µs, from Linux's schedstat (nanosecond
 * resolution); null where there is none. `process.cpuUsage()` less this is what the other
 * threads spent: V8's compiler and garbage-collector helpers, libuv's pool.
 */
export function mainThreadUs(): number | null {
  try {
    const ns = Number(readFileSync(statFile, 'latin1').split(' ', 1)[0])
    return Number.isFinite(ns) ? ns / 1000 : null
  } catch {
    return null
  }
}
