import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Transport } from '@kp/core'
import { udpConnector, udpListener, type UdpListener } from '../src/index.js'
import { acceptQueue, collect, frameOf, helloFrame, ipv6Available, rawPeer, type RawPeer } from './support/sockets.js'

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

async function listen(options: Partial<Parameters<typeof udpListener>[0]> = {}): Promise<UdpListener> {
  const l = await udpListener({ host: '127.0.0.1', port: 0, closeGraceMs: 0, ...options })
  cleanup.push(() => l.close())
  return l
}
async function peer(host?: string): Promise<RawPeer> {
  const p = await rawPeer(host)
  cleanup.push(() => p.close())
  return p
}
function track(t: Transport) {
  cleanup.push(() => t.close())
  return t
}

describe('udpListener and udpConnector: raw frames', () => {
  it('binds port 0 to a real port and moves whole frames both ways', async () => {
    const l = await listen()
    expect(l.address.host).toBe('127.0.0.1')
    expect(l.address.port).toBeGreaterThan(0)
    const accepted = acceptQueue(l)
    const client = track(await udpConnector({ host: '127.0.0.1', port: l.address.port })())
    expect(client.reliable).toBe(false)
    expect(client.maxFrame).toBe(65_507)
    expect(client.remoteAddress).toBe(`127.0.0.1:${l.address.port}`)
    const c = collect(client)
    const h = helloFrame()
    client.send(h)
    const server = track(await accepted.next())
    expect(server.reliable).toBe(false)
    expect(server.maxFrame).toBe(65_507)
    expect(server.remoteAddress).toMatch(/^127\.0\.0\.1:\d+$/)
    const s = collect(server)
    // the HELLO that created the transport is delivered to it (kept until handlers were set)
    const [first] = await s.frameCount(1)
    expect(first).toEqual(h)
    expect(Object.getPrototypeOf(first)).toBe(Uint8Array.prototype)
    // as core does once the handshake is proven: frames above the handshake size from now on
    client.authenticated?.()
    server.authenticated?.()
    // biggest frame both ways, and a RECORD-typed one
    const big = frameOf(4, 65_507, 7)
    server.send(big)
    server.send(frameOf(2, 146))
    const got = await c.frameCount(2)
    expect(Buffer.compare(got[0]!, big)).toBe(0)
    expect(got[1]).toEqual(frameOf(2, 146))
    client.send(frameOf(4, 1000, 9))
    expect((await s.frameCount(2))[1]).toEqual(frameOf(4, 1000, 9))
    expect(l.sessions).toBe(1)
    expect(l.pendingHandshakes).toBe(1)
    expect(client.bufferedAmount).toBe(0)
  })

  it('refuses to send a frame above maxFrame with a RangeError, and sends nothing after close', async () => {
    const l = await listen({ maxDatagram: 1200 })
    expect(l.maxDatagram).toBe(1200)
    const client = track(await udpConnector({ host: '127.0.0.1', port: l.address.port, maxDatagram: 1200 })())
    expect(client.maxFrame).toBe(1200)
    expect(() => client.send(new Uint8Array(1201))).toThrow(RangeError)
    expect(() => client.send(new Uint8Array(1201))).toThrow(/"frame" expected 1 to 1200 bytes \(maxFrame\), got length=1201/)
    const c = collect(client)
    client.close()
    client.close()
    expect(await c.closed).toBeUndefined()
    client.send(helloFrame()) // ignored, no throw
    await Promise.resolve()
    expect(c.closes).toBe(1)
    expect(l.stats.datagramsIn).toBe(0)
  })

  it('drops and counts datagrams from unknown addresses that are not a HELLO', async () => {
    const l = await listen()
    const accepted = acceptQueue(l)
    const p = await peer()
    for (const type of [2, 3, 4, 5, 6, 7, 0, 99]) await p.send(frameOf(type), l.address.port)
    await p.send(new Uint8Array(0), l.address.port)
    await vi.waitFor(() => expect(l.stats.foreignDatagrams).toBe(9), { interval: 5 })
    expect(l.stats.datagramsIn).toBe(9)
    expect(accepted.queue.length).toBe(0)
    expect(l.sessions).toBe(0)
    // the same source may still start a session
    await p.send(helloFrame(), l.address.port)
    const t = track(await accepted.next())
    expect(t.remoteAddress).toBe(`127.0.0.1:${p.port}`)
  })

  it('drops and counts oversize datagrams on both ends', async () => {
    const l = await listen({ maxDatagram: 1000 })
    const accepted = acceptQueue(l)
    const p = await peer()
    const bigHello = new Uint8Array(1001)
    bigHello[0] = 1
    await p.send(bigHello, l.address.port)
    await vi.waitFor(() => expect(l.stats.oversizeDatagrams).toBe(1), { interval: 5 })
    expect(accepted.queue.length).toBe(0)
    // client side: a server sending more than the client's maxDatagram
    const connector = udpConnector({ host: '127.0.0.1', port: p.port, maxDatagram: 1000 })
    const client = track(await connector())
    const c = collect(client)
    const from = await new Promise<number>((resolve) => {
      p.socket.once('message', (_m, rinfo) => resolve(rinfo.port))
      client.send(frameOf(4))
    })
    await p.send(new Uint8Array(1001), from)
    // before the server is authenticated only handshake-sized datagrams (512 bytes) are taken
    await p.send(frameOf(2, 513), from)
    await p.send(frameOf(2, 512), from)
    await c.frameCount(1)
    expect(c.frames[0]!.length).toBe(512)
    expect(connector.stats.oversizeBeforeHandshake).toBe(1)
    client.authenticated?.()
    await p.send(frameOf(2, 1000), from)
    await c.frameCount(2)
    expect(c.frames[1]!.length).toBe(1000)
    expect(connector.stats.oversizeDatagrams).toBe(1)
    expect(c.closes).toBe(0)
  })

  it('keeps frames that arrive before setHandlers, in order, and bounds them', async () => {
    const l = await listen()
    const p = await peer()
    let server: Transport | undefined
    l.onConnection((t) => {
      server = track(t)
    })
    await p.send(helloFrame(), l.address.port)
    await vi.waitFor(() => expect(server).toBeDefined(), { interval: 5 })
    for (let i = 0; i < 40; i++) await p.send(frameOf(4, 10, i), l.address.port)
    await vi.waitFor(() => expect(l.stats.datagramsIn).toBe(41), { interval: 5 })
    const s = collect(server!)
    const frames = await s.frameCount(16)
    await new Promise((r) => setImmediate(r))
    expect(frames.length).toBe(16) // HELLO + 15 records: the rest were dropped like a full kernel buffer
    expect(frames[0]![0]).toBe(1)
    expect(frames.slice(1).map((f) => f[1])).toEqual([...Array(15).keys()])
  })

  it('close() takes the transport out of the table, reports once, and ignores later datagrams', async () => {
    const l = await listen()
    const accepted = acceptQueue(l)
    const p = await peer()
    const h = helloFrame()
    await p.send(h, l.address.port)
    const t = await accepted.next()
    const s = collect(t)
    await s.frameCount(1)
    expect(l.sessions).toBe(1)
    const reason = new Error('bye')
    t.close(reason)
    t.close(new Error('again'))
    expect(await s.closed).toBe(reason)
    expect(l.sessions).toBe(0)
    expect(l.pendingHandshakes).toBe(0)
    t.send(frameOf(4)) // ignored
    // a record from the same address is now foreign; its HELLO starts a new transport
    await p.send(frameOf(4), l.address.port)
    await vi.waitFor(() => expect(l.stats.foreignDatagrams).toBe(1), { interval: 5 })
    await p.send(h, l.address.port)
    const again = track(await accepted.next())
    expect(again).not.toBe(t)
    expect(s.frames.length).toBe(1)
    expect(s.closes).toBe(1)
  })

  it('reports a close that happens before setHandlers once setHandlers is called', async () => {
    const l = await listen()
    const accepted = acceptQueue(l)
    const p = await peer()
    await p.send(helloFrame(), l.address.port)
    const t = await accepted.next()
    const err = new Error('early')
    t.close(err)
    const s = collect(t)
    expect(await s.closed).toBe(err)
    expect(s.frames.length).toBe(0)
  })

  it('a handler that throws ends its own session, not the socket', async () => {
    const l = await listen()
    const accepted = acceptQueue(l)
    const a = await peer()
    const b = await peer()
    await a.send(helloFrame(), l.address.port)
    const ta = await accepted.next()
    let closedWith: Error | undefined
    ta.setHandlers({
      frame() {
        throw new Error('handler bug')
      },
      close(e) {
        closedWith = e
      },
    })
    await vi.waitFor(() => expect(closedWith?.message).toBe('handler bug'), { interval: 5 })
    await b.send(helloFrame(), l.address.port)
    const tb = track(await accepted.next())
    const sb = collect(tb)
    await sb.frameCount(1)
  })

  it('promotes a second handshake from the same address only when it is established', async () => {
    const l = await listen()
    const accepted = acceptQueue(l)
    const p = await peer()
    const h1 = helloFrame()
    await p.send(h1, l.address.port)
    const one = track(await accepted.next())
    const s1 = collect(one)
    await s1.frameCount(1)
    one.established?.()
    expect(l.pendingHandshakes).toBe(0)
    // a late copy of the first HELLO is dropped now
    await p.send(h1, l.address.port)
    await vi.waitFor(() => expect(l.stats.staleHellos).toBe(1), { interval: 5 })
    // a different HELLO from the same address (a spoofer, or the client restarting)
    const h2 = helloFrame()
    await p.send(h2, l.address.port)
    const two = track(await accepted.next())
    const s2 = collect(two)
    await s2.frameCount(1)
    expect(l.sessions).toBe(2)
    expect(l.pendingHandshakes).toBe(1)
    await p.send(frameOf(4, 20, 1), l.address.port) // RECORD: still the established session's
    await p.send(frameOf(3, 114, 2), l.address.port) // FINISH: the new handshake's (and the session's: a repeat of its own gets READY again)
    await p.send(h2, l.address.port) // its resent HELLO: the new handshake's
    await s1.frameCount(3)
    await s2.frameCount(3)
    expect(s1.frames[1]).toEqual(frameOf(4, 20, 1))
    expect(s1.frames[2]).toEqual(frameOf(3, 114, 2))
    expect(s2.frames[1]).toEqual(frameOf(3, 114, 2))
    expect(s2.frames[2]).toEqual(h2)
    expect(s1.closes).toBe(0)
    // the new FINISH verified: core calls established(); the old session ends
    two.established?.()
    const e = await s1.closed
    expect(e).toMatchObject({ name: 'TransportError', code: 'kp.Replaced' })
    expect(e?.message).toMatch(/replaced by a new handshake from the same address/)
    await p.send(frameOf(4, 20, 3), l.address.port)
    await s2.frameCount(4)
    expect(s2.frames[3]).toEqual(frameOf(4, 20, 3))
    expect(s1.frames).toHaveLength(3)
    expect(l.sessions).toBe(1)
  })

  it('keeps up to 4 handshakes beside a session (newer HELLOs dropped) and sends a FINISH to each', async () => {
    const l = await listen({ maxPendingPerAddress: 2 })
    const accepted = acceptQueue(l)
    const p = await peer()
    await p.send(helloFrame(), l.address.port)
    const one = track(await accepted.next())
    const s1 = collect(one)
    one.authenticated?.()
    one.established?.()
    const more: ReturnType<typeof collect>[] = []
    for (let i = 0; i < 3; i++) await p.send(helloFrame(), l.address.port)
    await vi.waitFor(() => expect(l.stats.droppedHellos).toBe(1), { interval: 5 })
    for (let i = 0; i < 2; i++) more.push(collect(track(await accepted.next())))
    expect(accepted.queue.length).toBe(0)
    expect(l.sessions).toBe(3)
    expect(l.pendingHandshakes).toBe(2)
    // a FINISH from the address reaches both handshakes in progress, and the session
    await p.send(frameOf(3, 114, 5), l.address.port)
    for (const m of [...more, s1]) expect((await m.frameCount(2))[1]).toEqual(frameOf(3, 114, 5))
    expect(s1.closes).toBe(0)
    // a pending handshake above the handshake size gets nothing: dropped and counted
    await p.send(frameOf(3, 600), l.address.port)
    await vi.waitFor(() => expect(l.stats.oversizeBeforeHandshake).toBe(2), { interval: 5 })
    expect(more.map((m) => m.frames.length)).toEqual([2, 2])
    expect(s1.frames).toHaveLength(3) // the authenticated session takes it (core drops a FINISH it does not know)
  })

  it('bounds pending handshakes on the listener', async () => {
    const l = await listen({ maxPending: 2 })
    const accepted = acceptQueue(l)
    const peers = await Promise.all([peer(), peer(), peer()])
    for (const p of peers) await p.send(helloFrame(), l.address.port)
    await vi.waitFor(() => expect(l.stats.droppedHellos).toBe(1), { interval: 5 })
    expect(accepted.queue.length).toBe(2)
    for (const t of accepted.queue) track(t)
  })

  it('listener.close() closes the socket; open transports are closed after the grace period', async () => {
    const l = await udpListener({ host: '127.0.0.1', port: 0, closeGraceMs: 50 })
    const accepted = acceptQueue(l)
    const p = await peer()
    await p.send(helloFrame(), l.address.port)
    const t = await accepted.next()
    const s = collect(t)
    await l.close()
    expect(await s.closed).toMatchObject({ name: 'TransportError', message: 'UDP listener closed' })
    await l.closed
    // the port is free again: a restart on the same port works
    const again = await listen({ port: l.address.port })
    expect(again.address.port).toBe(l.address.port)
    await l.close() // idempotent
  })

  it('listener.close() lets open sessions send until they close, then closes the socket', async () => {
    const l = await udpListener({ host: '127.0.0.1', port: 0, closeGraceMs: 60_000 })
    const accepted = acceptQueue(l)
    const p = await peer()
    await p.send(helloFrame(), l.address.port)
    const t = await accepted.next()
    const s = collect(t)
    const closing = l.close()
    // new sessions are not accepted while closing; the open one may still send (its CLOSE)
    const q = await peer()
    await q.send(helloFrame(), l.address.port)
    t.send(frameOf(4, 30))
    expect((await p.next()).length).toBe(30)
    await closing // stopped accepting; the socket waits for the open session
    t.close()
    await l.closed
    expect(s.closes).toBe(1)
    expect(accepted.queue.length).toBe(0)
  })

  it('a busy port fails listen with a TransportError (kp.AddressInUse)', async () => {
    const l = await listen()
    await expect(udpListener({ host: '127.0.0.1', port: l.address.port })).rejects.toMatchObject({
      name: 'TransportError',
      code: 'kp.AddressInUse',
    })
  })

  it('a connector to a port where nothing listens ends with kp.ConnectionRefused', async () => {
    const p = await rawPeer()
    const port = p.port
    await p.close()
    const client = await udpConnector({ host: '127.0.0.1', port })()
    const c = collect(client)
    client.send(helloFrame())
    const e = await c.closed
    expect(e).toMatchObject({ name: 'TransportError', code: 'kp.ConnectionRefused' })
    expect(e?.message).toContain(`127.0.0.1:${port}`)
  })

  it('the client socket is connected: datagrams from other senders never reach the transport', async () => {
    const server = await peer()
    const stranger = await peer()
    const client = track(await udpConnector({ host: '127.0.0.1', port: server.port })())
    const c = collect(client)
    const from = await new Promise<number>((resolve) => {
      server.socket.once('message', (_m, rinfo) => resolve(rinfo.port))
      client.send(helloFrame())
    })
    await stranger.send(frameOf(2, 50), from)
    await server.send(frameOf(2, 60), from)
    await c.frameCount(1)
    expect(c.frames[0]!.length).toBe(60)
  })

  it('an aborted signal fails the connector with AbortedError', async () => {
    const ac = new AbortController()
    ac.abort()
    await expect(udpConnector({ host: '127.0.0.1', port: 9 })(ac.signal)).rejects.toMatchObject({ name: 'AbortedError' })
  })

  it('validates options', async () => {
    expect(() => udpConnector({ host: '', port: 1 })).toThrow(TypeError)
    expect(() => udpConnector({ host: 'x', port: 70_000 })).toThrow(RangeError)
    expect(() => udpConnector({ host: 'x', port: 0 })).toThrow(RangeError)
    expect(() => udpConnector({ host: 'x', port: 1, maxDatagram: 65_508 })).toThrow(/"maxDatagram" expected 256..65507, got 65508/)
    expect(() => udpConnector({ host: 'x', port: 1, maxDatagram: 100 })).toThrow(RangeError)
    expect(() => udpConnector({ host: 'x', port: 1, maxDatagram: 1.5 })).toThrow(TypeError)
    expect(() => udpConnector({ host: 'x', port: 1, type: 'tcp' as 'udp4' })).toThrow(TypeError)
    expect(() => udpConnector(null as never)).toThrow(TypeError)
    await expect(udpListener({ port: -1 })).rejects.toThrow(RangeError)
    await expect(udpListener({ port: 0, maxPending: 0 })).rejects.toThrow(/"maxPending"/)
    await expect(udpListener({ port: 'x' as never })).rejects.toThrow(TypeError)
  })

  it('works over IPv6 (::1)', async (ctx) => {
    if (!(await ipv6Available())) {
      ctx.skip('IPv6 loopback (::1) is not available on this machine')
      return
    }
    const l = await listen({ host: '::1' })
    expect(l.address.host).toBe('::1')
    const accepted = acceptQueue(l)
    const client = track(await udpConnector({ host: '::1', port: l.address.port })())
    expect(client.remoteAddress).toBe(`[::1]:${l.address.port}`)
    const c = collect(client)
    client.send(helloFrame())
    const server = track(await accepted.next())
    expect(server.remoteAddress).toMatch(/^\[::1\]:\d+$/)
    const s = collect(server)
    await s.frameCount(1)
    client.authenticated?.()
    server.send(frameOf(2, 65_507))
    expect((await c.frameCount(1))[0]!.length).toBe(65_507)
  })
})
