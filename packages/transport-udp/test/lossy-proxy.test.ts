import { afterEach, describe, expect, it, vi } from 'vitest'
import { type LossyProxy, lossyProxy } from './support/lossy-proxy.js'
import { type RawPeer, rawPeer } from './support/sockets.js'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})
async function setup(options: Omit<Parameters<typeof lossyProxy>[0], 'target'>) {
  const server = await rawPeer()
  cleanup.push(() => server.close())
  const proxy = await lossyProxy({ target: { port: server.port }, ...options })
  cleanup.push(() => proxy.close())
  const client = await rawPeer()
  cleanup.push(() => client.close())
  return { server, proxy, client }
}
const n = (i: number) => new Uint8Array([i & 255, i >> 8])
const idOf = (b: Buffer) => b[0]! | (b[1]! << 8)

/** Sends `count` numbered datagrams and waits until the proxy has dealt with all of them. */
async function pump(client: RawPeer, proxy: LossyProxy, count: number, settle: () => boolean) {
  for (let i = 0; i < count; i++) {
    await client.send(n(i), proxy.port)
    // one process plays every part: let the loop read the sockets now and then
    if (i % 32 === 31) await new Promise((r) => setImmediate(r))
  }
  await vi.waitFor(() => expect(settle()).toBe(true), { interval: 5, timeout: 5000 })
}

describe('lossyProxy', () => {
  it('forwards both ways through one upstream socket per client', async () => {
    const { server, proxy, client } = await setup({})
    const other = await rawPeer()
    cleanup.push(() => other.close())
    await client.send(n(1), proxy.port)
    await other.send(n(2), proxy.port)
    const sources = new Set<number>()
    const from = await new Promise<number>((resolve) => {
      let got = 0
      server.socket.on('message', (_m, r) => {
        sources.add(r.port)
        if (++got === 1) resolve(r.port)
      })
    })
    await vi.waitFor(() => expect(sources.size).toBe(2), { interval: 5 })
    expect(proxy.clients).toBe(2)
    await server.send(n(7), from)
    const back = await Promise.race([client.next(), other.next()])
    expect([7]).toContain(idOf(back))
  })

  it('drops about the configured share, reproducibly per seed', async () => {
    const run = async (seed: number) => {
      const { server, proxy, client } = await setup({ seed, toServer: { loss: 0.2 } })
      await pump(client, proxy, 500, () => proxy.stats.toServer.received === 500)
      await vi.waitFor(() => expect(server.received.length).toBe(proxy.stats.toServer.forwarded), { interval: 5 })
      const ids = server.received.map(idOf)
      for (const c of cleanup.splice(0).reverse()) await c()
      return ids
    }
    const a = await run(3)
    const b = await run(3)
    const c = await run(4)
    expect(a.length).toBeGreaterThan(350)
    expect(a.length).toBeLessThan(450)
    expect(b).toEqual(a)
    expect(c).not.toEqual(a)
  })

  it('duplicates, reorders with delay, and bounds what it holds', async () => {
    const { server, proxy, client } = await setup({ toServer: { duplicate: 1 } })
    await pump(client, proxy, 20, () => server.received.length === 40)
    expect(proxy.stats.toServer.duplicated).toBe(20)
    server.received.length = 0
    proxy.impair('toServer', { delayMs: 1, reorder: 0.5, reorderDelayMs: 20 })
    await pump(client, proxy, 100, () => server.received.length === 100)
    const ids = server.received.map(idOf)
    expect(ids).not.toEqual([...ids].sort((x, y) => x - y))
    expect(new Set(ids).size).toBe(100)
    server.received.length = 0
    proxy.impair('toServer', { delayMs: 10_000 })
    const small = await lossyProxy({ target: { port: server.port }, maxQueue: 5, toServer: { delayMs: 10_000 } })
    cleanup.push(() => small.close())
    await pump(client, small, 8, () => small.stats.toServer.received === 8)
    expect(small.stats.toServer.overflow).toBe(3)
  })

  it('lets a test capture and replay a datagram from the same client source', async () => {
    const { server, proxy, client } = await setup({})
    const seen: Uint8Array[] = []
    proxy.onDatagram((d) => {
      if (d.direction === 'toServer') seen.push(d.bytes.slice())
    })
    await client.send(n(42), proxy.port)
    const first = await new Promise<number>((r) => server.socket.once('message', (_m, ri) => r(ri.port)))
    const key = `127.0.0.1:${client.port}`
    proxy.sendToServer(key, seen[0]!)
    const second = await new Promise<number>((r) => server.socket.once('message', (_m, ri) => r(ri.port)))
    expect(second).toBe(first)
    expect(() => proxy.sendToServer('1.2.3.4:5', n(1))).toThrow(/no client/)
  })
})
