import { SigningKey } from '@kp/crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { connect, memoryConnector } from '../src/index.js'
import { Kind } from '../src/protocol/constants.js'
import { writeReady } from '../src/protocol/messages.js'
import { type RawServerSession, rawServer } from './support/raw-server.js'

const key = SigningKey.generate()
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  vi.useRealTimers()
})

async function clientOf(ready: { maxMessage: number; pingIntervalMs: number; idleTimeoutMs: number }) {
  let session!: RawServerSession
  const listener = await rawServer(key, (s) => {
    session = s
    s.record((w) => writeReady(w, ready))
  })
  cleanups.push(() => listener.close())
  const client = connect(memoryConnector(listener.address.port), { serverId: key.publicKey, reconnect: false })
  cleanups.push(() => client.close())
  await client.ready()
  return { client, session: () => session }
}

describe('a client checks every value the server announces in READY (issue 14 finding 12)', () => {
  it('pingIntervalMs 1 is clamped to 1 s: no ping flood', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const { client, session } = await clientOf({ maxMessage: 1 << 20, pingIntervalMs: 1, idleTimeoutMs: 0 })
    await vi.advanceTimersByTimeAsync(3000)
    const pings = session().kinds.filter((k) => k === Kind.Ping).length
    // the old code sent about 1 400 pings in 3 s; clamped: at most one a second
    expect(pings).toBeLessThanOrEqual(3)
    expect(pings).toBeGreaterThanOrEqual(1)
    expect(client.state).toBe('connected')
  })

  it('idleTimeoutMs 2^40 does not make the liveness timer fire every millisecond (setTimeout overflow)', async () => {
    const { client } = await clientOf({ maxMessage: 1 << 20, pingIntervalMs: 0, idleTimeoutMs: 2 ** 40 })
    const spy = vi.spyOn(globalThis, 'setTimeout')
    await new Promise((r) => setImmediate(r))
    const before = spy.mock.calls.length
    await new Promise((r) => setImmediate(r)) // (setImmediate: not counted)
    await new Promise<void>((r) => {
      const until = Date.now() + 100
      const spin = () => (Date.now() >= until ? r() : setImmediate(spin))
      spin()
    })
    const armed = spy.mock.calls.length - before
    spy.mockRestore()
    // the old code re-armed its liveness timer about once a millisecond
    expect(armed).toBeLessThan(5)
    expect(client.state).toBe('connected')
  })

  it('maxMessage below 64 is a protocol error that names the value', async () => {
    const listener = await rawServer(key, (s) => s.record((w) => writeReady(w, { maxMessage: 3, pingIntervalMs: 0, idleTimeoutMs: 0 })))
    cleanups.push(() => listener.close())
    const client = connect(memoryConnector(listener.address.port), { serverId: key.publicKey, reconnect: false })
    cleanups.push(() => client.close())
    await expect(client.ready()).rejects.toThrow(/maxMessage 3/)
  })
})
