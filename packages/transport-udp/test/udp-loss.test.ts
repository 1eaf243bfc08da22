import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { api, client, startServer, turn } from './support/kilo.js'
import { type LossyProxy, lossyProxy } from './support/lossy-proxy.js'

let server: Awaited<ReturnType<typeof startServer>>
beforeEach(async () => {
  server = await startServer()
})
afterEach(async () => {
  await server.close()
})

/** Connects through a fresh proxy; resolves with the time the handshake took, or the error. */
async function handshakeThrough(seed: number, loss: number): Promise<{ ok: boolean; ms: number; error?: unknown; proxy: LossyProxy }> {
  const proxy = await lossyProxy({ target: { port: server.listener.address.port }, seed, toServer: { loss }, toClient: { loss } })
  const c = client({ host: '127.0.0.1', port: proxy.port })
  const t0 = performance.now()
  try {
    await c.ready() // core's handshake timeout (10 s default) applies
    return { ok: true, ms: performance.now() - t0, proxy }
  } catch (error) {
    return { ok: false, ms: performance.now() - t0, error, proxy }
  } finally {
    await c.close()
    await proxy.close()
  }
}

describe('UDP under loss (through the lossy proxy)', () => {
  it('the handshake completes under 20% loss each way in at least 99 of 100 seeded runs', async () => {
    // All 100 at once (one batch: a run that fails costs the whole 10 s handshake timeout, so
    // more batches only add time), each through its own proxy with its own seed.
    const runs = await Promise.all(Array.from({ length: 100 }, (_, i) => handshakeThrough(i + 1, 0.2)))
    const failed = runs.flatMap((r, i) => (r.ok ? [] : [`seed ${i + 1}: ${String(r.error)}`]))
    const lost = runs.reduce((a, r) => a + r.proxy.stats.toServer.lost + r.proxy.stats.toClient.lost, 0)
    const times = runs
      .filter((r) => r.ok)
      .map((r) => r.ms)
      .sort((a, b) => a - b)
    console.info(
      `20% loss: ${runs.length - failed.length}/100 handshakes, ${lost} datagrams lost, median ${times[49]?.toFixed(0)} ms, p99 ${times.at(-1)?.toFixed(0)} ms${failed.length ? `; failed: ${failed.join('; ')}` : ''}`,
    )
    expect(lost).toBeGreaterThan(50) // the proxy really dropped datagrams
    expect(failed.length).toBeLessThanOrEqual(1)
  }, 40_000)

  it('with 10% loss each way, pushes arrive at about 90% both ways and none twice', async () => {
    const proxy = await lossyProxy({
      target: { port: server.listener.address.port },
      seed: 42,
      toServer: { loss: 0.1, duplicate: 0.05 },
      toClient: { loss: 0.1, duplicate: 0.05 },
    })
    const c = client({ host: '127.0.0.1', port: proxy.port }, { callTimeoutMs: 500 })
    try {
      await c.ready()
      const n = 2000
      for (let i = 0; i < n; i++) {
        c.push(api.mark, i)
        await turn() // one push per turn: one record, one datagram each
      }
      // the server pushes n numbered marks back, one datagram each
      await retry(() => c.call(api.pushMe, n, { timeoutMs: 2000 }))
      // barrier: a lossless link from here, and FIFO, so everything sent before has arrived
      proxy.impair('toServer', {})
      proxy.impair('toClient', {})
      const atServer = await retry(() => c.call(api.marks, undefined))
      const atClient = { total: c.session.marks.length, distinct: new Set(c.session.marks).size }
      const rates = { toServer: atServer.total / n, toClient: atClient.total / n }
      console.info(
        `10% loss, 5% duplication: ${(rates.toServer * 100).toFixed(1)}% of pushes to the server, ${(rates.toClient * 100).toFixed(1)}% to the client; duplicates dropped: server ${[...server.sessions()][0]?.stats.replayed}, client ${c.stats?.replayed}`,
      )
      expect(atServer.distinct).toBe(atServer.total) // none delivered twice
      expect(atClient.distinct).toBe(atClient.total)
      expect(rates.toServer).toBeGreaterThan(0.86)
      expect(rates.toServer).toBeLessThan(0.94)
      expect(rates.toClient).toBeGreaterThan(0.86)
      expect(rates.toClient).toBeLessThan(0.94)
      expect(proxy.stats.toServer.duplicated).toBeGreaterThan(50)
      expect(c.stats!.replayed).toBeGreaterThan(0)
    } finally {
      await c.close()
      await proxy.close()
    }
  })
})

/** Calls over a lossy link time out and are retried (the app's job on UDP). */
async function retry<T>(fn: () => Promise<T>, tries = 20): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn()
    } catch (e) {
      if (i >= tries || (e as { code?: string }).code !== 'kp.Timeout') throw e
    }
  }
}
