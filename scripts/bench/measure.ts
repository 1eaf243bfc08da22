/**
 * Measurement loops shared by the transport packages' own benchmarks
 * (the `bench` folder of each transport package): latency, pipelined calls, connections, wire bytes.
 * Not published; each package bench imports it by relative path.
 */

/** One client connection of a system under test: request/response. */
export interface BenchConn {
  call(payload: Uint8Array): Promise<Uint8Array>
  close(): void
}

/** A connection that can also count the bytes on its socket. */
export interface WireCountingConn extends BenchConn {
  /** Bytes read plus written on the socket so far (payload, both directions). */
  wireBytes(): number
}

export interface Latency {
  medianUs: number
  p99Us: number
}

const now = () => performance.now()

/** Sequential calls for `ms`: median and p99 round trip in µs. */
export async function latency(conn: BenchConn, payload: Uint8Array, ms: number): Promise<Latency> {
  const samples: number[] = []
  const end = now() + ms
  while (now() < end && samples.length < 1_000_000) {
    const t0 = now()
    await conn.call(payload)
    samples.push(now() - t0)
  }
  samples.sort((a, b) => a - b)
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(samples.length * q))]! * 1000
  return { medianUs: at(0.5), p99Us: at(0.99) }
}

/** `inFlight` callers looping for `ms`: completed calls per second. */
export async function callsPerSecond(conn: BenchConn, payload: Uint8Array, inFlight: number, ms: number): Promise<number> {
  let done = 0
  const t0 = now()
  const end = t0 + ms
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (now() < end) {
        await conn.call(payload)
        done++
      }
    }),
  )
  return done / ((now() - t0) / 1000)
}

/** `concurrency` loops of connect + handshake + first call + close for `ms`: connections per second. */
export async function connectionsPerSecond(open: () => Promise<BenchConn>, payload: Uint8Array, concurrency: number, ms: number): Promise<number> {
  let done = 0
  const t0 = now()
  const end = t0 + ms
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (now() < end) {
        const conn = await open()
        await conn.call(payload)
        conn.close()
        done++
      }
    }),
  )
  return done / ((now() - t0) / 1000)
}

/** TCP payload bytes (both ways) of connect + first call, and per later small call. */
export async function wireBytes(open: () => Promise<WireCountingConn>, payload: Uint8Array, calls: number): Promise<{ setup: number; perCall: number }> {
  const conn = await open()
  await conn.call(payload)
  // let trailing handshake bytes (TLS session tickets, ...) arrive before counting calls
  await new Promise((r) => setTimeout(r, 50))
  const setup = conn.wireBytes()
  for (let i = 0; i < calls; i++) await conn.call(payload)
  const perCall = (conn.wireBytes() - setup) / calls
  conn.close()
  return { setup, perCall }
}
