import * as bp from '@kp/bipack'
import { randomBytes } from '@kp/crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { command, ConnectionClosedError, KiloInterface, memoryPair, silentLogger } from '../src/index.js'
import type { LinkClose } from '../src/link/close-code.js'
import { createSession } from '../src/rpc/create-session.js'
import type { Session } from '../src/rpc/session.js'

const echo = command('echo', bp.string, bp.string)
const hang = command('hang', bp.unit, bp.unit)
afterEach(() => vi.useRealTimers())

/** A server and a client session over a memory pair, keys made up (the handshake is not the point). */
function pair(opts: { idleTimeoutMs?: number } = {}) {
  const [ct, st] = memoryPair()
  const keys = { th3: randomBytes(32), c2s: randomBytes(32), s2c: randomBytes(32), token: randomBytes(32) }
  const closes: { client: LinkClose[]; server: LinkClose[] } = { client: [], server: [] }
  const iface = new KiloInterface().on(echo, (s) => s).on(hang, () => new Promise<void>(() => {}))
  const common = {
    keys,
    iface,
    remoteId: null,
    maxInFlight: 16,
    callTimeoutMs: 0,
    logger: silentLogger,
    pingIntervalMs: 0,
    idleTimeoutMs: opts.idleTimeoutMs ?? 0,
  }
  let client!: Session<unknown>
  let server!: Session<unknown>
  ct.setHandlers({ frame: (f) => client.link.onFrame(f), close: (e) => client.link.onTransportClose(e) })
  st.setHandlers({ frame: (f) => server.link.onFrame(f), close: (e) => server.link.onTransportClose(e) })
  server = createSession({ ...common, transport: st, role: 'server', session: {}, maxMessage: 1 << 20, onClose: (c) => closes.server.push(c) })
  client = createSession({ ...common, transport: ct, role: 'client', session: {}, maxMessage: 1 << 20, onClose: (c) => closes.client.push(c) })
  server.runConnectedHooks()
  client.runConnectedHooks()
  return { client, server, closes }
}

const settle = () => new Promise((r) => setTimeout(r, 10))

describe('Session and Link', () => {
  it('a session calls through its link; closing one side ends both with codes local and peer', async () => {
    const { client, server, closes } = pair()
    expect(await client.call(echo, 'hi')).toBe('hi')
    const pending = client.call(hang, undefined).catch((e) => e)
    await settle()
    server.close('bye')
    const e = await pending
    expect(ConnectionClosedError.isInstance(e) && e.outcome).toBe('unknown')
    await settle()
    expect(closes.server.map((c) => c.code)).toEqual(['local'])
    expect(closes.client.map((c) => [c.code, c.peerReason])).toEqual([['peer', 'bye']])
    expect(client.isClosed && server.isClosed).toBe(true)
  })

  it('a CLOSE in place of READY is code refused on the client', async () => {
    const [ct, st] = memoryPair()
    const keys = { th3: randomBytes(32), c2s: randomBytes(32), s2c: randomBytes(32), token: randomBytes(32) }
    const common = {
      keys,
      iface: undefined,
      remoteId: null,
      maxInFlight: 16,
      callTimeoutMs: 0,
      logger: silentLogger,
      pingIntervalMs: 0,
      idleTimeoutMs: 0,
      session: {},
      maxMessage: 1 << 20,
    }
    const got: LinkClose[] = []
    const client = createSession({ ...common, transport: ct, role: 'client', onClose: (c) => got.push(c) })
    ct.setHandlers({ frame: (f) => client.link.onFrame(f), close: (e) => client.link.onTransportClose(e) })
    const server = createSession({ ...common, transport: st, role: 'server', announce: false })
    st.setHandlers({ frame: (f) => server.link.onFrame(f), close: (e) => server.link.onTransportClose(e) })
    server.close('unauthorized')
    await settle()
    expect(got.map((c) => [c.code, c.peerReason])).toEqual([['refused', 'unauthorized']])
  })

  it('a record that does not open is code protocol; silence past idleTimeoutMs is code idle', async () => {
    const a = pair()
    a.server.link.onFrame(new Uint8Array([4, 0, 1, 2, 3]))
    await settle()
    expect(a.closes.server.map((c) => c.code)).toEqual(['protocol'])
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const b = pair({ idleTimeoutMs: 1000 })
    b.client.link.transport.close = () => {}
    await vi.advanceTimersByTimeAsync(1100)
    expect(b.closes.server.map((c) => c.code)).toContain('idle')
  })
})
