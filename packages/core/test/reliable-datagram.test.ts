import { SigningKey } from '@kp/crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { connect, ConnectionClosedError, HandshakeError, KiloInterface, memoryConnector, memoryListener, MessageTooLargeError, serve } from '../src/index.js'
import { suiteApi } from '../src/testing/index.js'

const key = SigningKey.generate()
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function setup(listen: Parameters<typeof memoryListener>[0], serveOpts: Partial<Parameters<typeof serve>[2]> = {}) {
  const l = await memoryListener(listen)
  const got: string[] = []
  const s = serve(
    l,
    new KiloInterface()
      .on(suiteApi.echo, (x) => x)
      .on(suiteApi.echoBytes, (b) => b)
      .on(suiteApi.note, (x) => void got.push(x))
      .on(suiteApi.hang, () => new Promise<void>(() => {})),
    { key, ...serveOpts },
  )
  cleanups.push(() => s.close())
  const c = connect(memoryConnector(l.address.port), { serverId: key.publicKey, reliable: true, reconnect: false })
  cleanups.push(() => c.close())
  return { s, c, got }
}

describe('reliable datagram mode (PROTOCOL.md 9) over the in-memory datagram transport', () => {
  it('carries the same RPC, in order, exactly once, under 10% loss with duplicates and reordering', async () => {
    const { c, got } = await setup({ reliable: false, drop: 0.1, duplicate: 0.05, reorder: 0.05, seed: 7 })
    await c.ready()
    for (let i = 0; i < 300; i++) c.push(suiteApi.note, `m${i}`)
    const echoes = await Promise.all(Array.from({ length: 300 }, (_, i) => c.call(suiteApi.echo, `e${i}`)))
    expect(echoes).toEqual(Array.from({ length: 300 }, (_, i) => `e${i}`))
    while (got.length < 300) await new Promise((r) => setTimeout(r, 10))
    expect(got).toEqual(Array.from({ length: 300 }, (_, i) => `m${i}`))
  })

  it('moves a 200 KB message across 10% loss', async () => {
    const { c } = await setup({ reliable: false, drop: 0.1, seed: 3, maxFrame: 1200 })
    const data = new Uint8Array(200_000).map((_, i) => (i * 7919) >> 3)
    const back = await c.call(suiteApi.echoBytes, data)
    expect(Buffer.from(back).equals(Buffer.from(data))).toBe(true)
  })

  it('MessageTooLargeError moves up to the 255-fragment limit', async () => {
    const { c } = await setup({ reliable: false, maxFrame: 1200 })
    await c.ready()
    const e = await c.call(suiteApi.echoBytes, new Uint8Array(400_000)).catch((x) => x)
    expect(MessageTooLargeError.isInstance(e)).toBe(true)
    expect(e.limit).toBeGreaterThan(250_000)
    expect(e.limit).toBeLessThan(300_000)
  })

  it('has no default call timeout', async () => {
    const { c } = await setup({ reliable: false })
    await c.ready()
    const p = c.call(suiteApi.hang, undefined)
    let settled = false
    p.then(
      () => (settled = true),
      () => (settled = true),
    )
    await new Promise((r) => setTimeout(r, 300))
    expect(settled).toBe(false)
  })

  it('a dead link closes the session and fails pending calls', async () => {
    const { c } = await setup({ reliable: false }, { idleTimeoutMs: 60_000 })
    await c.ready()
    // the server vanishes without a word: every datagram towards it is lost from now on
    const conn = (c as unknown as { connection: { transport: { peer: { close(): void } }; arq: { setDeadLinkMs(ms: number): void } } }).connection
    conn.arq.setDeadLinkMs(300) // the session's idle timeout, shortened for the test
    conn.transport.peer.close() // a datagram close says nothing on the wire: the client's datagrams are lost from now on
    const e = await c.call(suiteApi.echo, 'into the void').catch((x) => x)
    expect(ConnectionClosedError.isInstance(e)).toBe(true)
    expect(e.reason).toMatch(/dead link/)
  })

  it('a reliable transport refuses the reliable-mode flag', async () => {
    const l = await memoryListener()
    const s = serve(l, new KiloInterface(), { key })
    cleanups.push(() => s.close())
    // the client ignores `reliable` on reliable transports, so force the flag through the handshake class
    const { ClientHandshake } = await import('../src/handshake/client-handshake.js')
    const t = await memoryConnector(l.address.port)()
    const hs = new ClientHandshake({ requestReliable: true })
    const frames: Uint8Array[] = []
    const closed = new Promise<void>((r) => t.setHandlers({ frame: (f) => void frames.push(f), close: () => r() }))
    t.send(hs.hello)
    while (frames.length === 0) await new Promise((r) => setTimeout(r, 5))
    t.send(hs.onWelcome(frames[0]!).finish)
    await closed
    expect(frames.at(-1)![0]).toBe(5) // REJECT
    expect(HandshakeError).toBeDefined()
  })
})
