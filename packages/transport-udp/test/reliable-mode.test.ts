import { ConnectionClosedError } from '@kp/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { connectUdp } from '../src/index.js'
import { api, client, serverKey, startServer } from './support/kilo.js'
import { lossyProxy } from './support/lossy-proxy.js'

// Reliable datagram mode (PROTOCOL.md 9, issue 11) on real sockets, through the lossy proxy.
let server: Awaited<ReturnType<typeof startServer>>
beforeEach(async () => {
  server = await startServer()
})
afterEach(async () => {
  await server.close()
})

describe('UDP reliable mode (ARQ) on real sockets', () => {
  it('exactly-once in-order pushes and calls across 10% loss, duplication and reordering', async () => {
    const proxy = await lossyProxy({
      target: { port: server.listener.address.port },
      seed: 11,
      toServer: { loss: 0.1, duplicate: 0.05, reorder: 0.05, jitterMs: 2 },
      toClient: { loss: 0.1, duplicate: 0.05, reorder: 0.05, jitterMs: 2 },
    })
    const c = client({ host: '127.0.0.1', port: proxy.port }, { reliable: true })
    try {
      await c.ready()
      const n = 500
      for (let i = 0; i < n; i++) c.push(api.mark, i)
      const echoes = await Promise.all(Array.from({ length: 200 }, (_, i) => c.call(api.echo, `e${i}`)))
      expect(echoes[199]).toBe('e199')
      const marks = await c.call(api.marks, undefined)
      expect(marks).toEqual({ total: n, distinct: n })
      await c.call(api.pushMe, 300)
      expect(c.session.marks).toEqual(Array.from({ length: 300 }, (_, i) => i))
      expect(proxy.stats.toServer.lost + proxy.stats.toClient.lost).toBeGreaterThan(10)
    } finally {
      await c.close()
      await proxy.close()
    }
  }, 60_000)

  it('a 200 KB message crosses 10% loss (fragmented over 1200-byte datagrams)', async () => {
    // both ends must agree on the datagram size: the ARQ mtu follows each side's maxDatagram
    const small = await startServer({ maxDatagram: 1200 })
    const proxy = await lossyProxy({ target: { port: small.listener.address.port }, seed: 5, toServer: { loss: 0.1 }, toClient: { loss: 0.1 } })
    const c = client({ host: '127.0.0.1', port: proxy.port, maxDatagram: 1200 }, { reliable: true })
    try {
      const data = new Uint8Array(200_000).map((_, i) => (i * 131) & 255)
      const back = await c.call(api.echoBytes, data)
      expect(Buffer.from(back).equals(Buffer.from(data))).toBe(true)
    } finally {
      await c.close()
      await proxy.close()
      await small.close()
    }
  }, 60_000)

  it('tampered, duplicated and replayed datagrams are dropped and counted, never fatal', async () => {
    const proxy = await lossyProxy({ target: { port: server.listener.address.port }, seed: 9 })
    const seen: { client: string; bytes: Uint8Array }[] = []
    proxy.onDatagram((d) => {
      if (d.direction === 'toServer' && d.bytes[0] === 7) seen.push({ client: d.client, bytes: d.bytes.slice() })
    })
    const c = client({ host: '127.0.0.1', port: proxy.port }, { reliable: true })
    try {
      expect(await c.call(api.echo, 'one')).toBe('one')
      const { client: from, bytes } = seen.at(-1)!
      proxy.sendToServer(from, bytes) // replay
      proxy.sendToServer(from, bytes) // duplicate again
      const tampered = bytes.slice()
      tampered[tampered.length - 1]! ^= 1
      proxy.sendToServer(from, tampered) // tampered tag: its counter is already seen, dropped as a replay
      proxy.sendToServer(from, bytes.subarray(0, 10)) // truncated
      const forged = new Uint8Array(60)
      forged.set([7, 0xa1, 0x0f]) // ARQ frame, fresh counter 1000, garbage sealed part
      proxy.sendToServer(from, forged)
      expect(await c.call(api.echo, 'two')).toBe('two')
      const stats = [...server.sessions()][0]!.stats
      expect(stats.replayed).toBeGreaterThanOrEqual(2)
      expect(stats.forged).toBeGreaterThanOrEqual(1)
    } finally {
      await c.close()
      await proxy.close()
    }
  })

  it('connectUdp({ reliable: true }) has no default call timeout and fails pending calls when the link dies', async () => {
    const proxy = await lossyProxy({ target: { port: server.listener.address.port }, seed: 3 })
    const c = connectUdp({ host: '127.0.0.1', port: proxy.port, serverId: serverKey.publicKey, reliable: true, reconnect: false })
    try {
      await c.ready()
      const pending = c.call(api.hang, undefined)
      let settled = false
      pending.then(
        () => (settled = true),
        () => (settled = true),
      )
      await new Promise((r) => setTimeout(r, 300))
      expect(settled).toBe(false)
      // the link dies: everything towards the server is lost from now on
      proxy.impair('toServer', { loss: 1 })
      ;(c as unknown as { connection: { link: { records: { arq: { setDeadLinkMs(ms: number): void } } } } }).connection.link.records.arq.setDeadLinkMs(400)
      const probe = c.call(api.echo, 'into the void')
      const e = await probe.catch((x) => x)
      expect(ConnectionClosedError.isInstance(e)).toBe(true)
      expect(e.reason).toMatch(/dead link/)
      expect(ConnectionClosedError.isInstance(await pending.catch((x) => x))).toBe(true)
    } finally {
      await c.close()
      await proxy.close()
    }
  })
})
