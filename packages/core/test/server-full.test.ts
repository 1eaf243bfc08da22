// A full server says so (REJECT 4 `Full`, PROTOCOL.md 4.7): at maxSessions, and for a listener's
// maxConnections (a transport the listener marks `refusal: 'full'`); the client retries with backoff.
import { afterEach, describe, expect, it } from 'vitest'
import { FULL_RETRY_MIN_MS, ReconnectPolicy } from '../src/client/reconnect-policy.js'
import {
  HandshakeError,
  KiloInterface,
  connect,
  memoryConnector,
  memoryListener,
  RejectCode,
  serve,
  SigningKey,
  type Transport,
  type TransportListener,
} from '../src/index.js'

const key = SigningKey.generate()
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('server full', () => {
  it('RejectCode.Full is 4', () => {
    expect(RejectCode.Full).toBe(4)
  })

  it('at maxSessions: REJECT full, named by the client, counted, logged once per interval', async () => {
    const l = await memoryListener()
    const warnings: string[] = []
    const s = serve(l, new KiloInterface(), { key, maxSessions: 1, logger: { warn: (m) => warnings.push(m) } })
    cleanups.push(() => s.close())
    const a = connect(memoryConnector(l.address.port), { serverId: key.publicKey, reconnect: false })
    cleanups.push(() => a.close())
    await a.ready()
    for (let i = 0; i < 2; i++) {
      const b = connect(memoryConnector(l.address.port), { serverId: key.publicKey, reconnect: false })
      cleanups.push(() => b.close())
      const e = await b.ready().catch((x) => x)
      expect(HandshakeError.isInstance(e) && e.check).toBe('full')
      expect(String(e.message)).toMatch(/server is full \(REJECT 4: server full: session limit reached, retry later\)/)
    }
    expect(s.refusedFullCount).toBe(2)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/^server full \(maxSessions 1\): refused 1 connection with REJECT full/)
  })

  it('a transport the listener marks refusal "full" gets REJECT full at once, before any handshake', async () => {
    const inner = await memoryListener()
    let n = 0
    const listener: TransportListener = {
      address: inner.address,
      close: () => inner.close(),
      onConnection: (accept) =>
        inner.onConnection((t: Transport) => {
          if (++n > 1) (t as { refusal?: 'full' }).refusal = 'full'
          accept(t)
        }),
    }
    const s = serve(listener, new KiloInterface(), { key, logger: {} })
    cleanups.push(() => s.close())
    const a = connect(memoryConnector(inner.address.port), { serverId: key.publicKey, reconnect: false })
    cleanups.push(() => a.close())
    await a.ready()
    const b = connect(memoryConnector(inner.address.port), { serverId: key.publicKey, reconnect: false })
    cleanups.push(() => b.close())
    const e = await b.ready().catch((x) => x)
    expect(HandshakeError.isInstance(e) && e.check).toBe('full')
    expect(String(e.message)).toMatch(/connection limit reached/)
    expect(s.refusedFullCount).toBe(1)
    expect(s.halfOpenCount).toBe(0)
  })

  it('the reconnect policy waits at least a second after REJECT full, within maxDelayMs', () => {
    const full = new HandshakeError('full', 'x')
    const p = new ReconnectPolicy({ minDelayMs: 10, maxDelayMs: 10_000 })
    for (let i = 0; i < 20; i++) expect(p.nextDelay(full)).toBeGreaterThanOrEqual(FULL_RETRY_MIN_MS)
    expect(p.isFatal(full)).toBe(false)
    const capped = new ReconnectPolicy({ minDelayMs: 10, maxDelayMs: 500 })
    for (let i = 0; i < 20; i++) expect(capped.nextDelay(full)).toBeLessThanOrEqual(500)
    const busy = new ReconnectPolicy({ minDelayMs: 10, maxDelayMs: 10_000 })
    expect(busy.nextDelay(new HandshakeError('busy', 'x'))).toBeLessThanOrEqual(10)
  })
})
