// The ping schedule (PROTOCOL.md 6.2): a longer default interval on reliable transports, and in a
// quiet session the server pings, in sweeps shared by all its sessions, before the client would.
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  bp,
  command,
  connect,
  KiloInterface,
  memoryConnector,
  memoryListener,
  serve,
  SigningKey,
  type Transport,
  type TransportListener,
} from '../src/index.js'
import { sweepPeriod } from '../src/link/liveness-sweep.js'
import { Defaults } from '../src/protocol/constants.js'

const key = SigningKey.generate()
const cmdNote = command('note', bp.uint, bp.unit)
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  vi.useRealTimers()
})

/** A listener whose accepted transports count the frames the server sends on them. */
function counting(inner: TransportListener): TransportListener & { sent: () => number } {
  let sent = 0
  return {
    address: inner.address,
    close: () => inner.close(),
    sent: () => sent,
    onConnection(accept) {
      inner.onConnection((t: Transport) => {
        const send = t.send.bind(t)
        t.send = (f) => {
          sent++
          send(f)
        }
        accept(t)
      })
    },
  }
}

/** Advances fake timers in steps, letting the memory transport's real setImmediate turns run. */
async function advance(ms: number, step = 250) {
  for (let t = 0; t < ms; t += step) {
    await vi.advanceTimersByTimeAsync(step)
    await new Promise((r) => setImmediate(r))
  }
}

/** A served memory listener and a connected client that counts what it sends. */
async function session(reliable: boolean, options: { pingIntervalMs?: number; idleTimeoutMs?: number } = {}, keepAlive = false) {
  const inner = await memoryListener({ reliable, keepAlive })
  const listener = counting(inner)
  const server = serve(
    listener,
    new KiloInterface().on(cmdNote, () => {}),
    { key, ...options },
  )
  cleanups.push(() => server.close())
  let clientSent = 0
  const connector = memoryConnector(inner.address.port)
  const client = connect(
    async (signal) => {
      const t = await connector(signal)
      const send = t.send.bind(t)
      t.send = (f) => {
        clientSent++
        send(f)
      }
      return t
    },
    { serverId: key.publicKey, reconnect: false },
  )
  cleanups.push(() => client.close())
  await client.ready()
  await advance(500)
  return { client, server, counts: () => ({ client: clientSent, server: listener.sent() }) }
}

describe('ping schedule', () => {
  it('the server sweeps its links eight times per interval (the shorter of ping interval and idle timeout)', () => {
    expect(sweepPeriod(25_000, 60_000)).toBe(3_125)
    expect(sweepPeriod(10_000, 30_000)).toBe(1_250)
    expect(sweepPeriod(120_000, 300_000)).toBe(15_000)
    expect(sweepPeriod(10_000, 8_000)).toBe(1_000)
    expect(sweepPeriod(0, 30_000)).toBe(3_750)
    expect(sweepPeriod(10_000, 0)).toBe(1_250)
    expect(sweepPeriod(0, 0)).toBe(0)
    expect(sweepPeriod(40, 0)).toBe(10)
  })

  // in a quiet session the server pings every 3/4 interval and the client answers each PING with one PONG:
  // the client, whose PONG counts as sending, never reaches its own interval
  it.each([
    {
      what: 'WebSocket-like reliable transports: the server pings every 18.75 s (25 s interval)',
      reliable: true,
      keepAlive: false,
      interval: Defaults.pingIntervalMsReliable,
      rounds: 4,
    },
    {
      what: 'transports the kernel keeps alive (TCP keepalive): every 90 s (120 s interval)',
      reliable: true,
      keepAlive: true,
      interval: Defaults.pingIntervalMsKeepAlive,
      rounds: 2,
    },
    {
      what: 'datagram transports: every 7.5 s (10 s interval, for NAT mappings)',
      reliable: false,
      keepAlive: false,
      interval: Defaults.pingIntervalMs,
      rounds: 5,
    },
  ])('$what', async ({ reliable, keepAlive, interval, rounds }) => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const { client, counts } = await session(reliable, {}, keepAlive)
    const start = counts()
    const window = rounds * interval
    await advance(window)
    const c = counts()
    const pings = c.server - start.server
    // one PING per 6 sweeps of interval / 8 (the first may come a sweep late)
    expect(pings).toBeGreaterThanOrEqual(Math.floor(window / (interval * 0.875)))
    expect(pings).toBeLessThanOrEqual(Math.ceil(window / (interval * 0.75)))
    expect(c.client - start.client).toBe(pings)
    expect(client.state).toBe('connected')
  })

  it('the TCP defaults: 120 s PINGs and a 300 s idle timeout', () => {
    expect([Defaults.pingIntervalMsKeepAlive, Defaults.idleTimeoutMsKeepAlive]).toEqual([120_000, 300_000])
  })

  it('an explicit pingIntervalMs applies to every transport', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const { counts } = await session(true, { pingIntervalMs: 5_000, idleTimeoutMs: 15_000 })
    const start = counts()
    await advance(22_500)
    // every 3.75 s: six PINGs in 22.5 s, each answered
    expect(counts().server - start.server).toBe(6)
    expect(counts().client - start.client).toBe(6)
  })

  it('the server pings a client that is never quiet itself (pushes only), before its idle timeout', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const { client, counts } = await session(true)
    const start = counts()
    // a push every 5 s: the client never pings, the server answers nothing, so it pings on its own
    for (let i = 0; i < 30; i++) {
      client.push(cmdNote, i)
      await advance(5_000)
    }
    const c = counts()
    // 150 s of the client's pushes: the server PINGs every 18.75 s and nothing else; each PING gets a PONG
    expect(c.server - start.server).toBe(8)
    expect(c.client - start.client).toBe(30 + 8)
    expect(client.state).toBe('connected')
  })

  it('the quiet sessions of a server are pinged together, not each at its own moment', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const inner = await memoryListener({ reliable: true })
    const moments = new Set<number>()
    let serverSent = 0
    const listener: TransportListener = {
      address: inner.address,
      close: () => inner.close(),
      onConnection(accept) {
        inner.onConnection((t: Transport) => {
          const send = t.send.bind(t)
          t.send = (f) => {
            serverSent++
            moments.add(Date.now())
            send(f)
          }
          accept(t)
        })
      },
    }
    const server = serve(listener, new KiloInterface(), { key })
    cleanups.push(() => server.close())
    // 16 sessions that connect 1.3 s apart, each at its own phase of the 25 s interval
    const clients = []
    for (let i = 0; i < 16; i++) {
      const client = connect(memoryConnector(inner.address.port), { serverId: key.publicKey, reconnect: false })
      cleanups.push(() => client.close())
      await client.ready()
      clients.push(client)
      await advance(1_300)
    }
    moments.clear()
    serverSent = 0
    const window = 4 * Defaults.pingIntervalMsReliable
    await advance(window)
    // 16 sessions pinged 5 times each, all at the moments of the one sweep (every 3.125 s): a session keeps
    // the phase it joined at, so each sweep pings the sessions of one of 6 phases
    const period = sweepPeriod(Defaults.pingIntervalMsReliable, Defaults.idleTimeoutMsReliable)
    expect(serverSent).toBeGreaterThanOrEqual(16 * 5)
    expect(moments.size).toBeLessThanOrEqual(window / period + 1)
    const first = Math.min(...moments)
    for (const t of moments) expect((t - first) % period).toBe(0)
    for (const client of clients) expect(client.state).toBe('connected')
  })
})
