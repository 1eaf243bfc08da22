import { describe, expect, it, vi } from 'vitest'
import { api, client, startServer } from './support/kilo.js'

describe('UDP at scale', () => {
  it('1 000 sessions on one server socket', async () => {
    // 1 000 clients from one address at once: the per-address fair shares (issue 14) would
    // spread them over several seconds, which is their job under a flood; this test is about
    // the socket and the tables, so the one address gets the whole server
    const server = await startServer({ maxHalfOpenPerAddress: 2048, handshakesPerSecondPerAddress: 100_000 })
    const port = server.listener.address.port
    const clients = Array.from({ length: 1000 }, () => client({ host: '127.0.0.1', port }))
    try {
      const t0 = performance.now()
      const results = await Promise.all(clients.map((c, i) => c.call(api.tick, i)))
      const ms = performance.now() - t0
      expect(results.every((r, i) => r === i)).toBe(true)
      expect(server.sessionCount).toBe(1000)
      expect(server.listener.sessions).toBe(1000)
      expect(server.listener.pendingHandshakes).toBe(0)
      const addresses = new Set([...server.sessions()].map((s) => s.remoteAddress))
      expect(addresses.size).toBe(1000)
      // a second round of calls on the established sessions
      const again = await Promise.all(clients.map((c, i) => c.call(api.echo, `#${i}`)))
      expect(again[999]).toBe('#999')
      console.info(`1 000 UDP sessions: handshakes + first call in ${ms.toFixed(0)} ms; listener drops ${JSON.stringify(server.listener.stats)}`)
    } finally {
      await Promise.all(clients.map((c) => c.close()))
    }
    await vi.waitFor(() => expect(server.sessionCount).toBe(0), { interval: 20, timeout: 10_000 })
    expect(server.listener.sessions).toBe(0)
    await server.close()
    await server.listener.closed
  }, 60_000)
})
