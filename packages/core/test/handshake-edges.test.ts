import { SigningKey } from '@kp/crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { connect, HandshakeError, KiloInterface, memoryConnector, memoryListener, RemoteError, serve, type Transport } from '../src/index.js'
import { encodeHello, parseReject } from '../src/protocol/handshake-frames.js'
import { suiteApi } from '../src/testing/index.js'

const key = SigningKey.generate()
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  vi.useRealTimers()
  for (const c of cleanups.splice(0).reverse()) await c()
})
const api = () => new KiloInterface().on(suiteApi.echo, (s) => s).on(suiteApi.hang, () => new Promise<void>(() => {}))

async function server(opts: Parameters<typeof serve>[2] extends infer O ? Partial<O> : never = {}, listen: Parameters<typeof memoryListener>[0] = {}) {
  const l = await memoryListener(listen)
  const s = serve(l, api(), { key, ...opts })
  cleanups.push(() => s.close())
  return { s, port: l.address.port }
}

function raw(port: number): Promise<{ t: Transport; frames: Uint8Array[]; closed: Promise<Error | undefined> }> {
  return memoryConnector(port)().then((t) => {
    const frames: Uint8Array[] = []
    let done!: (e: Error | undefined) => void
    const closed = new Promise<Error | undefined>((r) => (done = r))
    t.setHandlers({ frame: (f) => frames.push(f), close: (e) => done(e) })
    cleanups.push(() => t.close())
    return { t, frames, closed }
  })
}

describe('handshake edges', () => {
  it('an unsupported version gets REJECT code 1', async () => {
    const { port } = await server()
    const { t, frames, closed } = await raw(port)
    const hello = encodeHello(new Uint8Array(32).fill(9))
    hello[1] = 2 << 2
    t.send(hello)
    await closed
    expect(frames[0]![0]).toBe(5)
    expect(parseReject(frames[0]!).code).toBe(1)
  })

  it('a malformed HELLO gets REJECT code 3 and closes', async () => {
    const { port } = await server()
    const { t, frames, closed } = await raw(port)
    t.send(new Uint8Array(200).fill(1))
    await closed
    expect(parseReject(frames[0]!).code).toBe(3)
  })

  it('beyond the half-open limit a reliable server answers REJECT busy', async () => {
    const { port, s } = await server({ maxHalfOpen: 1 })
    const { t } = await raw(port)
    t.send(encodeHello(crypto.getRandomValues(new Uint8Array(32))))
    while (s.halfOpenCount < 1) await new Promise((r) => setTimeout(r, 5))
    const e = await connect(memoryConnector(port), { serverId: key.publicKey, reconnect: false })
      .ready()
      .catch((x) => x)
    expect(HandshakeError.isInstance(e) && e.check).toBe('busy')
  })

  it('the server closes a handshake that does not complete in time', async () => {
    const { port, s } = await server({ handshakeTimeoutMs: 100 })
    const { t, closed } = await raw(port)
    t.send(encodeHello(crypto.getRandomValues(new Uint8Array(32))))
    const started = Date.now()
    await closed
    expect(Date.now() - started).toBeLessThan(2000)
    expect(s.halfOpenCount).toBe(0)
  })

  it('the client times out on a server that never answers', async () => {
    const l = await memoryListener()
    l.onConnection(() => {})
    cleanups.push(() => l.close())
    const e = await connect(memoryConnector(l.address.port), { serverId: key.publicKey, reconnect: false, handshakeTimeoutMs: 100 })
      .ready()
      .catch((x) => x)
    expect(HandshakeError.isInstance(e) && e.check).toBe('timeout')
  })

  it('datagram handshakes complete under 20% loss each way', async () => {
    const results = await Promise.all(
      Array.from({ length: 30 }, async (_, seed) => {
        const { port } = await server({}, { reliable: false, drop: 0.2, seed: seed + 1 })
        const c = connect(memoryConnector(port), { serverId: key.publicKey, reconnect: false })
        cleanups.push(() => c.close())
        return c.ready().then(
          () => true,
          () => false,
        )
      }),
    )
    expect(results.filter(Boolean).length).toBe(30)
  })

  it('cookie mode: the server keeps no state until the cookie comes back', async () => {
    const { port, s } = await server({ cookie: 'always' }, { reliable: false })
    const { t, frames } = await raw(port)
    t.send(encodeHello(crypto.getRandomValues(new Uint8Array(32))))
    while (frames.length === 0) await new Promise((r) => setTimeout(r, 5))
    expect(frames[0]![0]).toBe(6) // COOKIE
    expect(frames[0]!.length).toBeLessThan(256)
    expect(s.halfOpenCount).toBe(0)
    const c = connect(memoryConnector(port), { serverId: key.publicKey, reconnect: false })
    cleanups.push(() => c.close())
    expect(await c.call(suiteApi.echo, 'through the cookie')).toBe('through the cookie')
  })

  /** Advances fake timers in steps, letting the memory transport's real setImmediate turns run. */
  async function advance(ms: number, step = 100) {
    for (let t = 0; t < ms; t += step) {
      await vi.advanceTimersByTimeAsync(step)
      await new Promise((r) => setImmediate(r))
    }
  }

  it('idle sessions close after idleTimeoutMs', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const { port } = await server({ idleTimeoutMs: 1000, pingIntervalMs: 60_000 })
    const c = connect(memoryConnector(port), { serverId: key.publicKey, reconnect: false })
    cleanups.push(() => c.close())
    await c.ready()
    const reason = new Promise<string>((r) => c.on('disconnected', r))
    await advance(1200)
    expect(await reason).toMatch(/idle timeout/)
  })

  it('pings keep an idle session alive', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const { port } = await server({ idleTimeoutMs: 2500, pingIntervalMs: 1000 })
    const c = connect(memoryConnector(port), { serverId: key.publicKey, reconnect: false })
    cleanups.push(() => c.close())
    await c.ready()
    await advance(10_000)
    expect(c.state).toBe('connected')
  })

  it('server options are validated: a ping interval or idle timeout under 1 s is refused by name', async () => {
    const l = await memoryListener()
    expect(() => serve(l, api(), { key, pingIntervalMs: 100 })).toThrow(/"options.pingIntervalMs" expected 0 or at least 1000, got 100/)
    expect(() => serve(l, api(), { key, idleTimeoutMs: 1.5 })).toThrow(TypeError)
    expect(() => serve(l, api(), { key, maxInFlight: 0 })).toThrow(/"options.maxInFlight" expected an integer in 1\.\.1048576, got 0/)
  })

  it('serve() refuses a listener already served or closed', async () => {
    const l = await memoryListener()
    const s = serve(l, api(), { key })
    cleanups.push(() => s.close())
    expect(() => serve(l, api(), { key })).toThrow(/already served/)
    const l2 = await memoryListener()
    await l2.close()
    expect(() => serve(l2, api(), { key })).toThrow(/is closed/)
  })

  it('the callee answers kp.Busy beyond its in-flight limit', async () => {
    const { port } = await server({ maxInFlight: 2 })
    const c = connect(memoryConnector(port), { serverId: key.publicKey, reconnect: false })
    cleanups.push(() => c.close())
    void c.call(suiteApi.hang, undefined).catch(() => {})
    void c.call(suiteApi.hang, undefined).catch(() => {})
    const e = await c.call(suiteApi.hang, undefined).catch((x) => x)
    expect(RemoteError.isInstance(e) && e.code).toBe('kp.Busy')
  })

  it('the caller queues calls beyond its own in-flight window', async () => {
    const { port } = await server({ maxInFlight: 2 })
    const c = connect(memoryConnector(port), { serverId: key.publicKey, reconnect: false, maxInFlight: 2 })
    cleanups.push(() => c.close())
    const r = await Promise.all(Array.from({ length: 50 }, (_, i) => c.call(suiteApi.echo, `${i}`)))
    expect(r[49]).toBe('49')
  })
})

describe('first call on a reliable transport', () => {
  it('goes out right behind FINISH, before READY arrives (PROTOCOL.md 4.5): two round trips to the first result', async () => {
    const { port } = await server()
    const log: string[] = []
    const connector = async () => {
      const t = await memoryConnector(port)()
      const send = t.send.bind(t)
      t.send = (f: Uint8Array) => {
        log.push(`out ${f[0]}`)
        send(f)
      }
      const setHandlers = t.setHandlers.bind(t)
      t.setHandlers = (h) =>
        setHandlers({
          frame: (f) => {
            log.push(`in ${f[0]}`)
            h.frame(f)
          },
          close: h.close,
        })
      return t
    }
    const c = connect(connector, { serverId: key.publicKey, reconnect: false })
    cleanups.push(() => c.close())
    expect(await c.call(suiteApi.echo, 'early')).toBe('early')
    // HELLO out, WELCOME in, FINISH and the CALL record out before any record comes in
    expect(log.slice(0, 4)).toEqual(['out 1', 'in 2', 'out 3', 'out 4'])
    expect(c.state).toBe('connected')
  })
})

describe('records sent while the server authorizes', () => {
  it('are kept in order for the session, within a bound', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const { port } = await server({
      authorize: async () => {
        await gate
        return true
      },
    })
    const c = connect(memoryConnector(port), { serverId: key.publicKey, reconnect: false })
    cleanups.push(() => c.close())
    const calls = Array.from({ length: 20 }, (_, i) => c.call(suiteApi.echo, `early ${i}`))
    await new Promise((r) => setTimeout(r, 50))
    release()
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 20 }, (_, i) => `early ${i}`))
  })

  it('a client flooding before READY is cut off', async () => {
    const { port } = await server({ authorize: () => new Promise<boolean>(() => {}) }, { maxFrame: 70_000 })
    const c = connect(memoryConnector(port), { serverId: key.publicKey, reconnect: false })
    cleanups.push(() => c.close())
    const big = 'x'.repeat(60_000)
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => c.call(suiteApi.echo, big)))
    expect(results.every((r) => r.status === 'rejected')).toBe(true)
    const e = await c.ready().catch((x) => x)
    expect(HandshakeError.isInstance(e) || e.code === 'kp.ConnectionClosed').toBe(true)
  })
})

describe('a transport failure during the handshake', () => {
  it('is reported as itself (code kept), not wrapped', async () => {
    const { TransportError } = await import('../src/index.js')
    const l = await memoryListener()
    cleanups.push(() => l.close())
    l.onConnection((t) => t.close(new TransportError('port unreachable', { code: 'kp.ConnectionRefused' })))
    // the server side closes at once; a datagram-like close reason reaches the client end
    const connector = async () => {
      const t = await memoryConnector(l.address.port)()
      const setHandlers = t.setHandlers.bind(t)
      t.setHandlers = (h) =>
        setHandlers({ frame: h.frame, close: () => h.close(new TransportError('connection refused by the peer', { code: 'kp.ConnectionRefused' })) })
      return t
    }
    const e = await connect(connector, { serverId: key.publicKey, reconnect: false })
      .ready()
      .catch((x) => x)
    expect(TransportError.isInstance(e)).toBe(true)
    expect(e.code).toBe('kp.ConnectionRefused')
  })
})
