import * as bp from '@kp/bipack'
import { SigningKey } from '@kp/crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  AbortedError,
  type ClientState,
  command,
  ConnectionClosedError,
  connect,
  KiloInterface,
  memoryConnector,
  memoryListener,
  NotConnectedError,
  serve,
  TimeoutError,
  TransportError,
} from '../src/index.js'

const key = SigningKey.generate()
const echo = command('echo', bp.string, bp.string)
const hang = command('hang', bp.unit, bp.unit)
const hello = command('hello', bp.string, bp.unit)
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  vi.useRealTimers()
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A memory port where nothing listens (connects are refused). */
async function deadPort(): Promise<number> {
  const l = await memoryListener()
  await l.close()
  return l.address.port
}

describe('calls never hang (issue 15, section 2)', () => {
  it('with nothing listening, a call with timeoutMs 500 rejects within a second with a TimeoutError naming the address', async () => {
    const port = await deadPort()
    const c = connect(memoryConnector(port), { serverId: key.publicKey, reconnect: { minDelayMs: 50, maxDelayMs: 100 } })
    cleanups.push(() => c.close())
    const t0 = Date.now()
    const e = await c.call(echo, 'x', { timeoutMs: 500 }).catch((x) => x)
    expect(Date.now() - t0).toBeLessThan(1000)
    expect(TimeoutError.isInstance(e)).toBe(true)
    expect(e.timeoutMs).toBe(500)
    expect(e.message).toMatch(
      new RegExp(`call 'echo' timed out after 500 ms: no connection to memory:${port} after \\d+ attempts? \\(last error: connection refused`),
    )
    expect(TransportError.isInstance(e.cause)).toBe(true)
  })

  it('ready({ timeoutMs }) rejects the same way; ready({ signal }) rejects when aborted, and the client keeps trying', async () => {
    const port = await deadPort()
    const c = connect(memoryConnector(port), { serverId: key.publicKey, reconnect: { minDelayMs: 50, maxDelayMs: 100 } })
    cleanups.push(() => c.close())
    const e = await c.ready({ timeoutMs: 300 }).catch((x) => x)
    expect(TimeoutError.isInstance(e)).toBe(true)
    expect(e.message).toMatch(/ready\(\) timed out after 300 ms: no connection to memory:\d+ after \d+ attempt/)
    const ac = new AbortController()
    const p = c.ready({ signal: ac.signal }).catch((x) => x)
    ac.abort(new Error('user gave up'))
    expect(AbortedError.isInstance(await p)).toBe(true)
    expect(c.state).not.toBe('closed')
  })

  it('a call waiting for the connection gets what is left of its timeout once connected', async () => {
    const l = await memoryListener()
    const port = l.address.port
    await l.close()
    const c = connect(memoryConnector(port), { serverId: key.publicKey, reconnect: { minDelayMs: 20, maxDelayMs: 20 } })
    cleanups.push(() => c.close())
    const pending = c.call(hang, undefined, { timeoutMs: 600 }).catch((x) => x)
    await new Promise((r) => setTimeout(r, 200))
    const l2 = await memoryListener({ port })
    const s = serve(
      l2,
      new KiloInterface().on(hang, () => new Promise<void>(() => {})),
      { key },
    )
    cleanups.push(() => s.close())
    const t0 = Date.now()
    const e = await pending
    expect(TimeoutError.isInstance(e)).toBe(true)
    expect(Date.now() - t0).toBeLessThan(550) // not a fresh 600 ms after connecting
  })

  it('reliable transports have a default call timeout of 30 s (0 means none)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const l = await memoryListener()
    const s = serve(
      l,
      new KiloInterface().on(hang, () => new Promise<void>(() => {})),
      { key },
    )
    cleanups.push(() => s.close())
    const c = connect(memoryConnector(l.address.port), { serverId: key.publicKey, reconnect: false })
    cleanups.push(() => c.close())
    await c.ready()
    const timed = c.call(hang, undefined).catch((x) => x)
    let never = false
    const none = connect(memoryConnector(l.address.port), { serverId: key.publicKey, reconnect: false, callTimeoutMs: 0 })
    cleanups.push(() => none.close())
    await none.ready()
    none.call(hang, undefined).then(
      () => (never = true),
      () => (never = true),
    )
    await vi.advanceTimersByTimeAsync(30_001)
    const e = await timed
    expect(TimeoutError.isInstance(e) && e.timeoutMs).toBe(30_000)
    await vi.advanceTimersByTimeAsync(120_000)
    expect(never).toBe(false)
  })

  it('push() before the connection is up throws NotConnectedError that says what to do', async () => {
    const port = await deadPort()
    const c = connect(memoryConnector(port), { serverId: key.publicKey, reconnect: false })
    cleanups.push(() => c.close())
    let e: unknown
    try {
      c.push(hello, 'x')
    } catch (x) {
      e = x
    }
    expect(NotConnectedError.isInstance(e)).toBe(true)
    expect((e as Error).message).toMatch(/not connected yet \(state: connecting\); await client.ready\(\) first, or use call\(\)/)
  })

  it('calls that fail because the connection dropped say whether they were sent (outcome unknown) or never sent (safe to retry)', async () => {
    const l = await memoryListener()
    const s = serve(
      l,
      new KiloInterface().on(hang, () => new Promise<void>(() => {})),
      { key },
    )
    cleanups.push(() => s.close())
    const c = connect(memoryConnector(l.address.port), { serverId: key.publicKey, reconnect: false, maxInFlight: 2 })
    cleanups.push(() => c.close())
    await c.ready()
    const calls = [0, 1, 2, 3].map(() => c.call(hang, undefined).catch((x) => x))
    await new Promise((r) => setTimeout(r, 20))
    for (const session of s.sessions()) session.close('server going away')
    const errors = await Promise.all(calls)
    for (const e of errors) expect(ConnectionClosedError.isInstance(e)).toBe(true)
    expect(errors.map((e) => e.outcome)).toEqual(['unknown', 'unknown', 'not-sent', 'not-sent'])
    expect(errors[0].message).toMatch(/outcome is unknown/)
    expect(errors[3].message).toMatch(/never sent: safe to retry/)
  })
})

describe('client state events (issue 15, section 5)', () => {
  it('emits connecting first, and connected before the server’s first call reaches the client’s handlers', async () => {
    for (let round = 0; round < 20; round++) {
      const l = await memoryListener()
      const api = new KiloInterface().onConnected((ctx) => {
        ctx.push(hello, 'pushed at once')
      })
      const s = serve(l, api, { key })
      const seen: string[] = []
      const iface = new KiloInterface().on(hello, () => {
        seen.push(`handler:${c.state}`)
        return undefined
      })
      const c = connect(memoryConnector(l.address.port), { serverId: key.publicKey, reconnect: false, iface })
      c.on('state', (st: ClientState) => seen.push(`state:${st}`))
      await c.ready()
      for (let i = 0; i < 50 && !seen.some((x) => x.startsWith('handler')); i++) await new Promise((r) => setTimeout(r, 2))
      expect(seen).toEqual(['state:connecting', 'state:connected', 'handler:connected'])
      await c.close()
      await s.close()
    }
  })
})

describe('pinning nobody forgets (issue 15, section 4)', () => {
  it('connect without serverId (and without knownServers or the opt-out) is refused with an error naming serverId', () => {
    expect(() => connect(memoryConnector(1), {})).toThrow(/serverId/)
    expect(() => connect(memoryConnector(1))).toThrow(/insecureAcceptAnyServer/)
    const c = connect(memoryConnector(1), { insecureAcceptAnyServer: true, reconnect: false })
    cleanups.push(() => c.close())
  })

  it('trust on first use through connect: the first id is recorded, a changed key fails loudly and for good', async () => {
    const { memoryKnownServers, KnownServerMismatchError } = await import('../src/index.js')
    const store = memoryKnownServers()
    const l = await memoryListener()
    const port = l.address.port
    const s = serve(
      l,
      new KiloInterface().on(echo, (x) => x),
      { key },
    )
    const first = connect(memoryConnector(port), { knownServers: store, reconnect: false })
    expect(await first.call(echo, 'one')).toBe('one')
    await first.close()
    expect((await store.get(`memory:${port}`))?.equals(key.publicKey)).toBe(true)
    const again = connect(memoryConnector(port), { knownServers: store, reconnect: false })
    expect(await again.call(echo, 'two')).toBe('two')
    await again.close()
    await s.close()
    // the same name now answers with another key
    const l2 = await memoryListener({ port })
    const s2 = serve(
      l2,
      new KiloInterface().on(echo, (x) => x),
      { key: SigningKey.generate() },
    )
    cleanups.push(() => s2.close())
    const changed = connect(memoryConnector(port), { knownServers: store, reconnect: true })
    cleanups.push(() => changed.close())
    const e = await changed.ready().catch((x) => x)
    expect(KnownServerMismatchError.isInstance(e)).toBe(true)
    expect(e.message).toContain(key.publicKey.toString())
    expect(changed.state).toBe('closed')
  })
})
