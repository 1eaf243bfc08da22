import { SigningKey } from '@kp/crypto'
import { afterEach, describe, expect, it } from 'vitest'
import {
  connect,
  ConnectionClosedError,
  HandshakeError,
  KiloInterface,
  memoryConnector,
  memoryListener,
  MessageTooLargeError,
  serve,
  setProcessMemoryBudget,
} from '../src/index.js'
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
    const link = (c as unknown as { connection: { link: { transport: { peer: { close(): void } }; records: { arq: { setDeadLinkMs(ms: number): void } } } } })
      .connection.link
    link.records.arq.setDeadLinkMs(300) // the session's idle timeout, shortened for the test
    link.transport.peer.close() // a datagram close says nothing on the wire: the client's datagrams are lost from now on
    const e = await c.call(suiteApi.echo, 'into the void').catch((x) => x)
    expect(ConnectionClosedError.isInstance(e)).toBe(true)
    expect(e.reason).toMatch(/dead link/)
  })

  it('a client that stops reading: the server ends the session at the zero-window deadline and gives its bytes back', async () => {
    const budget = setProcessMemoryBudget(64 * 1024 * 1024)
    const closes: string[] = []
    const logger = { info: (m: string) => void (m.includes(' closed: ') && closes.push(m)) }
    const { c } = await setup({ reliable: false }, { idleTimeoutMs: 1_000, logger })
    await c.ready()
    // the client's engine holds what it receives: its window shrinks to 0 and stays there
    ;(c as unknown as { connection: { link: { records: { arq: { pause(): void } } } } }).connection.link.records.arq.pause()
    const t0 = performance.now()
    const calls = [0, 1, 2].map(() => c.call(suiteApi.echoBytes, new Uint8Array(200_000)).catch((e) => e))
    while (closes.length === 0 && performance.now() - t0 < 5_000) await new Promise((r) => setTimeout(r, 10))
    const elapsed = performance.now() - t0
    expect(closes).toEqual([expect.stringMatching(/closed: dead link: peer window closed for \d+ ms with \d+ bytes waiting to be sent/)])
    expect(elapsed).toBeGreaterThanOrEqual(1_000) // the deadline is the session's idle timeout
    expect(elapsed).toBeLessThan(2_000)
    await c.close()
    for (const e of await Promise.all(calls)) expect(ConnectionClosedError.isInstance(e)).toBe(true)
    expect(budget.used).toBe(0)
  })

  it('the server enforces the maxMessage it announced on every reassembled message; turns are cut to fit it', async () => {
    const closes: string[] = []
    const logger = { info: (m: string) => void (m.includes(' closed: ') && closes.push(m)) }
    const { c, got } = await setup({ reliable: false }, { maxMessage: 3_000, logger })
    await c.ready()
    // 30 pushes of ~400 bytes in one turn: 12 KB, sent as several ARQ messages of at most 3 000
    for (let i = 0; i < 30; i++) c.push(suiteApi.note, 'x'.repeat(400) + i)
    for (let i = 0; i < 500 && got.length < 30; i++) await new Promise((r) => setTimeout(r, 10))
    expect(got).toHaveLength(30)
    expect(closes).toEqual([])
    // a client that ignores the limit: one ARQ message of 5 000 bytes
    const arq = (c as unknown as { connection: { link: { records: { arq: { send(m: Uint8Array): void; flush(): void } } } } }).connection.link.records.arq
    arq.send(new Uint8Array(5_000))
    arq.flush()
    for (let i = 0; i < 500 && closes.length === 0; i++) await new Promise((r) => setTimeout(r, 10))
    expect(closes).toEqual([expect.stringMatching(/closed: the peer sent a message of more than 3000 bytes \(maxMessage\)/)])
  })

  it('a reliable transport refuses the reliable-mode flag', async () => {
    const l = await memoryListener()
    const s = serve(l, new KiloInterface(), { key })
    cleanups.push(() => s.close())
    // the client ignores `reliable` on reliable transports, so force the flag through the handshake class
    const { ClientHandshake } = await import('../src/handshake/client-handshake.js')
    const t = await memoryConnector(l.address.port)()
    const hs = await ClientHandshake.create({ requestReliable: true })
    const frames: Uint8Array[] = []
    const closed = new Promise<void>((r) => t.setHandlers({ frame: (f) => void frames.push(f), close: () => r() }))
    t.send(hs.hello)
    while (frames.length === 0) await new Promise((r) => setTimeout(r, 5))
    t.send((await hs.onWelcome(frames[0]!)).finish)
    await closed
    expect(frames.at(-1)![0]).toBe(5) // REJECT
    expect(HandshakeError).toBeDefined()
  })
})
