// The ping schedule (PROTOCOL.md 6.2): a longer default interval on reliable transports, and in a
// quiet session one PING–PONG pair per interval (the client's PING; the server waits longer).
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
import { serverPingAfter } from '../src/link/liveness.js'
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
  it('the server pings a quarter interval after the client, at most halfway to the idle timeout', () => {
    expect(serverPingAfter(25_000, 60_000)).toBe(31_250)
    expect(serverPingAfter(10_000, 30_000)).toBe(12_500)
    expect(serverPingAfter(10_000, 12_000)).toBe(11_000)
    expect(serverPingAfter(10_000, 9_000)).toBe(10_000)
    expect(serverPingAfter(10_000, 0)).toBe(12_500)
    expect(serverPingAfter(0, 30_000)).toBe(0)
  })

  // in a quiet session the client pings and each PING is answered by one PONG; the server never pings first
  it.each([
    {
      what: 'WebSocket-like reliable transports: one PING–PONG pair per 25 s',
      reliable: true,
      keepAlive: false,
      interval: Defaults.pingIntervalMsReliable,
      rounds: 4,
    },
    {
      what: 'transports the kernel keeps alive (TCP keepalive): one pair per 120 s',
      reliable: true,
      keepAlive: true,
      interval: Defaults.pingIntervalMsKeepAlive,
      rounds: 2,
    },
    { what: 'datagram transports keep 10 s, for NAT mappings', reliable: false, keepAlive: false, interval: Defaults.pingIntervalMs, rounds: 5 },
  ])('$what', async ({ reliable, keepAlive, interval, rounds }) => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const { client, counts } = await session(reliable, {}, keepAlive)
    const start = counts()
    await advance(rounds * interval + 1_000)
    const c = counts()
    expect(c.client - start.client).toBe(rounds)
    expect(c.server - start.server).toBe(rounds)
    expect(client.state).toBe('connected')
  })

  it('the TCP defaults: 120 s PINGs and a 300 s idle timeout', () => {
    expect([Defaults.pingIntervalMsKeepAlive, Defaults.idleTimeoutMsKeepAlive]).toEqual([120_000, 300_000])
  })

  it('an explicit pingIntervalMs applies to every transport', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const { counts } = await session(true, { pingIntervalMs: 5_000, idleTimeoutMs: 15_000 })
    const start = counts()
    await advance(20_500)
    expect(counts().client - start.client).toBe(4)
  })

  it('the server still pings a client that is never quiet itself (pushes only), before its idle timeout', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const { client, counts } = await session(true)
    const start = counts()
    // a push every 5 s: the client never pings, the server answers nothing, so it pings on its own
    for (let i = 0; i < 30; i++) {
      client.push(cmdNote, i)
      await advance(5_000)
    }
    const c = counts()
    // 150 s of the client's pushes: the server PINGs every 31.25 s and nothing else; each PING gets a PONG
    expect(c.server - start.server).toBe(4)
    expect(c.client - start.client).toBe(30 + 4)
    expect(client.state).toBe('connected')
  })
})
