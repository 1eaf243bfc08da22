import { createSocket } from 'node:dgram'
import { connect, Defaults, MessageTooLargeError, TimeoutError, type Transport } from '@kp/core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { connectUdp, udpConnector } from '../src/index.js'
import { api, client, serverKey, startServer } from './support/kilo.js'
import { lossyProxy } from './support/lossy-proxy.js'
import { ipv6Available } from './support/sockets.js'

const cleanup: (() => Promise<unknown> | unknown)[] = []
afterEach(async () => {
  vi.useRealTimers()
  for (const c of cleanup.splice(0).reverse()) await c()
})
async function server(options: Parameters<typeof startServer>[0] = {}) {
  const s = await startServer(options)
  cleanup.push(() => s.close())
  return s
}
function track<T extends { close(): Promise<void> }>(c: T): T {
  cleanup.push(() => c.close())
  return c
}

describe('UDP with @kp/core', () => {
  it('createUdpServer and connectUdp: a call in two lines', async () => {
    const s = await server()
    const c = track(connectUdp({ host: '127.0.0.1', port: s.listener.address.port, serverId: serverKey.publicKey, reconnect: false }))
    expect(await c.call(api.echo, 'hi')).toBe('hi')
    expect(s.sessionCount).toBe(1)
    expect(s.listener.sessions).toBe(1)
    expect(s.listener.pendingHandshakes).toBe(0) // core called established()
  })

  it('works over IPv6 (::1)', async (ctx) => {
    if (!(await ipv6Available())) {
      ctx.skip('IPv6 loopback (::1) is not available on this machine')
      return
    }
    const s = await server({ host: '::1' })
    const c = track(client({ host: '::1', port: s.listener.address.port }))
    expect(await c.call(api.echo, 'v6')).toBe('v6')
    const [session] = [...s.sessions()]
    expect(session!.remoteAddress).toMatch(/^\[::1\]:\d+$/)
  })

  it('a message bigger than one datagram fails at the sender with MessageTooLargeError naming size and limit', async () => {
    // default: 65 507-byte datagrams, minus 27 bytes of record overhead
    const s = await server()
    const c = track(client({ host: '127.0.0.1', port: s.listener.address.port }))
    await c.ready()
    const big = await c.call(api.echoBytes, new Uint8Array(70_000)).catch((e) => e)
    expect(MessageTooLargeError.isInstance(big)).toBe(true)
    expect(big.limit).toBe(65_507 - 27)
    expect(big.size).toBeGreaterThan(70_000)
    expect(big.message).toContain(`${big.size} bytes`)
    expect(big.message).toContain(`${big.limit} bytes`)
    expect(() => c.push(api.echoBytes, new Uint8Array(65_507))).toThrow(MessageTooLargeError)
    // a message that fits crosses whole
    const fits = new Uint8Array(60_000).map((_, i) => i & 255)
    expect(await c.call(api.echoBytes, fits)).toEqual(fits)

    // a smaller datagram size on both ends lowers the limit accordingly
    const small = await server({ maxDatagram: 1200 })
    const c2 = track(client({ host: '127.0.0.1', port: small.listener.address.port, maxDatagram: 1200 }))
    await c2.ready()
    const e = await c2.call(api.echoBytes, new Uint8Array(1200)).catch((x) => x)
    expect(MessageTooLargeError.isInstance(e)).toBe(true)
    expect(e.limit).toBe(1200 - 27)
    expect(await c2.call(api.echoBytes, new Uint8Array(1000))).toHaveLength(1000)
  })

  it('calls time out by default after 10 s on UDP, with TimeoutError', async () => {
    expect(Defaults.datagramCallTimeoutMs).toBe(10_000)
    const s = await server()
    const port = s.listener.address.port
    // a configured timeout
    const c = track(client({ host: '127.0.0.1', port }, { callTimeoutMs: 150 }))
    await c.ready()
    const e = await c.call(api.hang, undefined).catch((x) => x)
    expect(TimeoutError.isInstance(e)).toBe(true)
    expect(e.timeoutMs).toBe(150)
    expect(await c.call(api.echo, 'after')).toBe('after')
    // the default, applied because the transport is not reliable (timers faked, sockets real)
    const d = track(client({ host: '127.0.0.1', port }))
    await d.ready()
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const pending = d.call(api.hang, undefined).catch((x) => x)
    await vi.advanceTimersByTimeAsync(9_999)
    let settled = false
    void pending.then(() => (settled = true))
    await Promise.resolve()
    expect(settled).toBe(false)
    await vi.advanceTimersByTimeAsync(2)
    const t = await pending
    expect(TimeoutError.isInstance(t)).toBe(true)
    expect(t.timeoutMs).toBe(10_000)
  })

  it('idle sessions expire on both ends when the link goes silent, and leave the listener tables', async () => {
    // the shortest intervals a server accepts (PROTOCOL.md 6.2): pings at 1 s, idle after 2.5 s
    const s = await server({ idleTimeoutMs: 2500, pingIntervalMs: 1000 })
    const proxy = await lossyProxy({ target: { port: s.listener.address.port } })
    cleanup.push(() => proxy.close())
    const c = track(client({ host: '127.0.0.1', port: proxy.port }))
    await c.ready()
    // pings keep a quiet but live session open past the idle timeout
    await new Promise((r) => setTimeout(r, 3000))
    expect(c.state).toBe('connected')
    expect(s.sessionCount).toBe(1)
    // the link goes silent: both ends give up after idleTimeoutMs
    const disconnected = new Promise<string>((r) => c.on('disconnected', r))
    proxy.impair('toServer', { loss: 1 })
    proxy.impair('toClient', { loss: 1 })
    expect(await disconnected).toMatch(/idle timeout/)
    await vi.waitFor(() => expect(s.sessionCount).toBe(0), { interval: 10, timeout: 4000 })
    expect(s.listener.sessions).toBe(0)
  })

  it('maxInactivityTimeout (the original library name) sets the idle timeout', async () => {
    const s = await server({ maxInactivityTimeout: 1000, pingIntervalMs: 60_000 })
    const c = track(client({ host: '127.0.0.1', port: s.listener.address.port }))
    await c.ready()
    const started = Date.now()
    expect(await new Promise<string>((r) => c.on('disconnected', r))).toMatch(/idle timeout/)
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('duplicated and replayed datagrams are dropped and counted; each call runs once', async () => {
    const s = await server()
    const proxy = await lossyProxy({ target: { port: s.listener.address.port }, toServer: { duplicate: 1 }, toClient: { duplicate: 1 } })
    cleanup.push(() => proxy.close())
    const seen: Uint8Array[] = []
    let from = ''
    proxy.onDatagram((d) => {
      if (d.direction !== 'toServer') return
      seen.push(d.bytes.slice())
      from = d.client
    })
    const c = track(client({ host: '127.0.0.1', port: proxy.port }))
    await c.ready()
    for (let i = 0; i < 50; i++) expect(await c.call(api.tick, i)).toBe(i)
    expect(s.probe.ticks).toBe(50)
    const [session] = [...s.sessions()]
    await vi.waitFor(() => expect(session!.stats.replayed).toBeGreaterThanOrEqual(50), { interval: 5 })
    expect(session!.stats.accepted).toBe(50)
    await vi.waitFor(() => expect(c.stats!.replayed).toBeGreaterThanOrEqual(50), { interval: 5 })

    // replayed later from the client's address: every record, the HELLO and the FINISH
    proxy.impair('toServer', {})
    proxy.impair('toClient', {})
    const before = session!.stats.replayed
    const hello = seen.find((f) => f[0] === 1)!
    const finish = seen.find((f) => f[0] === 3)!
    const records = seen.filter((f) => f[0] === 4)
    for (const r of records) proxy.sendToServer(from, r)
    proxy.sendToServer(from, hello)
    proxy.sendToServer(from, finish) // core answers with its cached READY, which the client drops as a replay
    await vi.waitFor(() => expect(session!.stats.replayed - before).toBe(records.length), { interval: 5 })
    await vi.waitFor(() => expect(s.listener.stats.staleHellos).toBe(1), { interval: 5 })
    expect(s.probe.ticks).toBe(50)
    expect(s.sessionCount).toBe(1)
    expect(s.listener.sessions).toBe(1)
    expect(await c.call(api.tick, 99)).toBe(99)
    expect(s.probe.ticks).toBe(51)
  })

  it("cookie: 'always' - the stateless COOKIE round trip works through the listener", async () => {
    const s = await server({ cookie: 'always' })
    const c = track(client({ host: '127.0.0.1', port: s.listener.address.port }))
    expect(await c.call(api.echo, 'with a cookie')).toBe('with a cookie')
    expect(s.listener.sessions).toBe(1) // the transport that answered COOKIE was dropped
  })

  it('a flood of random datagrams and spoofed HELLOs from many ports neither crashes the server nor stops a real client', async () => {
    const s = await server({ maxHalfOpen: 32, handshakeTimeoutMs: 1000 })
    const port = s.listener.address.port
    const a = track(client({ host: '127.0.0.1', port }))
    expect(await a.call(api.echo, 'before')).toBe('before')

    const sockets = await Promise.all(
      Array.from({ length: 64 }, async () => {
        const sock = createSocket('udp4')
        sock.on('message', () => {}) // WELCOMEs, COOKIEs, REJECTs: ignored
        await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r))
        cleanup.push(() => new Promise<void>((r) => sock.close(() => r())))
        return sock
      }),
    )
    let sent = 0
    const send = (sock: (typeof sockets)[0], b: Uint8Array) =>
      new Promise<void>((r) => {
        sent++
        sock.send(b, port, '127.0.0.1', () => r())
      })
    const calls: Promise<string>[] = []
    for (const [i, sock] of sockets.entries()) {
      for (let k = 0; k < 20; k++) {
        const junk = crypto.getRandomValues(new Uint8Array(Math.floor(Math.random() * 600)))
        await send(sock, junk)
      }
      for (let k = 0; k < 10; k++) {
        const hello = new Uint8Array(256) // well-formed: type 1, version 1, random key, no cookie
        hello[0] = 1
        hello[1] = 0x04
        hello.set(crypto.getRandomValues(new Uint8Array(32)), 2)
        await send(sock, hello)
      }
      if (i % 8 === 0) calls.push(a.call(api.echo, `during ${i}`))
      await new Promise((r) => setImmediate(r))
    }
    await vi.waitFor(() => expect(s.listener.stats.datagramsIn).toBeGreaterThanOrEqual(sent + 2), { interval: 10, timeout: 5000 })
    expect((await Promise.all(calls)).length).toBe(8)
    expect(s.listener.stats.foreignDatagrams).toBeGreaterThan(0)
    expect(s.halfOpenCount).toBeLessThanOrEqual(32)
    // a new client still gets in (answered with a COOKIE while the server is under load)
    const b = track(client({ host: '127.0.0.1', port }))
    expect(await b.call(api.echo, 'new')).toBe('new')
    expect(await a.call(api.echo, 'after')).toBe('after')
    expect(s.sessionCount).toBe(2)
    // the spoofed handshakes expire (core's handshake timeout) and leave the tables
    await vi.waitFor(() => expect(s.listener.sessions).toBe(2), { interval: 50, timeout: 5000 })
    expect(s.listener.pendingHandshakes).toBe(0)
  })

  it('a spoofed HELLO from the address of a live session does not end it', async () => {
    const s = await server({ handshakeTimeoutMs: 300 })
    const proxy = await lossyProxy({ target: { port: s.listener.address.port } })
    cleanup.push(() => proxy.close())
    let from = ''
    proxy.onDatagram((d) => {
      from = d.client
    })
    const c = track(client({ host: '127.0.0.1', port: proxy.port }))
    expect(await c.call(api.echo, 'one')).toBe('one')
    // someone else sends a HELLO with the client's source address (the proxy's upstream socket)
    const hello = new Uint8Array(256)
    hello[0] = 1
    hello[1] = 0x04
    hello.set(crypto.getRandomValues(new Uint8Array(32)), 2)
    proxy.sendToServer(from, hello)
    await vi.waitFor(() => expect(s.listener.pendingHandshakes).toBe(1), { interval: 5 })
    expect(s.listener.sessions).toBe(2) // the session and the handshake beside it
    expect(await c.call(api.echo, 'two')).toBe('two') // records still reach the session
    // the spoofer never sees the WELCOME (it went to the client, which ignores it): timeout
    await vi.waitFor(() => expect(s.listener.pendingHandshakes).toBe(0), { interval: 10 })
    expect(s.listener.sessions).toBe(1)
    expect(await c.call(api.echo, 'three')).toBe('three')
    expect(c.state).toBe('connected')
  })

  it('a new handshake from the same address and port replaces the old session once it completes', async () => {
    const s = await server()
    const port = s.listener.address.port
    const localPort = await freePort()
    // a client that vanishes without a word (crash, sleep) ...
    let first: Transport | null = null
    const gone = connect(
      async (signal) => {
        first = await udpConnector({ host: '127.0.0.1', port, localPort })(signal)
        return first
      },
      { serverId: serverKey.publicKey, reconnect: false },
    )
    cleanup.push(() => gone.close())
    expect(await gone.call(api.echo, 'first')).toBe('first')
    const [old] = [...s.sessions()]
    first!.close() // the socket closes, no CLOSE is sent: the server still has the session
    // ... and comes back from the same address and port with new keys
    const again = track(client({ host: '127.0.0.1', port, localPort }))
    expect(await again.call(api.echo, 'second')).toBe('second')
    await vi.waitFor(() => expect([...s.sessions()]).not.toContain(old), { interval: 5 })
    expect((old as unknown as { closeReason: string }).closeReason).toMatch(/replaced by a new handshake from the same address/)
    expect(s.sessionCount).toBe(1)
    expect(s.listener.sessions).toBe(1)
    expect([...s.sessions()][0]!.remoteAddress).toBe(`127.0.0.1:${localPort}`)
  })
})

async function freePort(): Promise<number> {
  const sock = createSocket('udp4')
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r))
  const { port } = sock.address()
  await new Promise<void>((r) => sock.close(() => r()))
  return port
}
