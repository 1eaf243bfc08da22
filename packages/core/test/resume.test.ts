import * as bp from '@kp/bipack'
import { randomBytes, SigningKey } from '@kp/crypto'
import { afterEach, describe, expect, it } from 'vitest'
import {
  bp as bpc,
  command,
  sink,
  stream,
  ConnectionClosedError,
  connect,
  type KiloClient,
  KiloInterface,
  type KiloServer,
  memoryConnector,
  memoryListener,
  MessageTooLargeError,
  ResumeRefusedError,
  serve,
  silentLogger,
} from '../src/index.js'
import type { Session } from '../src/rpc/session.js'
import { ResumeRegistry, resumeProof } from '../src/server/resume-registry.js'
import { cuttable, type ResumeScenarioReport, runResumeScenario } from '../src/testing/index.js'

function expectClean(r: ResumeScenarioReport, opts: { calls?: number; items?: number; pushes?: number; cuts?: number } = {}) {
  const calls = opts.calls ?? 1000
  expect(r.errors).toEqual([])
  expect(r.cuts).toBe(opts.cuts ?? 1)
  expect(r.resumed).toBe(opts.cuts ?? 1)
  expect(r.refused).toBe(0)
  expect(r.serverSessions).toBe(1)
  expect(r.answeredAtFirstCut).toBeLessThan(calls) // the cut came while calls were in flight
  const clean = { answered: calls, wrong: 0, failed: 0, handlerRunsTwice: 0, handlerNeverRan: 0 }
  expect(r.calls).toMatchObject(clean)
  expect(r.serverCalls).toMatchObject(clean)
  expect(r.stream).toMatchObject({ received: opts.items ?? 2000, inOrder: true, error: null })
  const pushes = opts.pushes ?? 200
  expect(r.pushes).toMatchObject({ toServer: pushes, toServerDuplicated: 0, toClient: pushes, toClientDuplicated: 0 })
}

describe('resumable sessions over the memory transport', () => {
  it('a cut link resumes: every call answered once, no handler twice, stream in order, pushes once', async () => {
    const l = await memoryListener()
    expectClean(await runResumeScenario({ listeners: [l], connectors: [memoryConnector(l.address.port)] }))
  })

  it('survives several cuts, with a black hole before each close', async () => {
    const l = await memoryListener()
    expectClean(await runResumeScenario({ listeners: [l], connectors: [memoryConnector(l.address.port)], cuts: 4, cutEveryMs: 30, blackholeMs: 20 }), {
      cuts: 4,
    })
  })

  it('datagrams in reliable mode: the server still holds the old link (a resume racing it wins)', async () => {
    const l = await memoryListener({ reliable: false })
    expectClean(await runResumeScenario({ listeners: [l], connectors: [memoryConnector(l.address.port)], reliable: true, blackholeMs: 20 }))
  })

  it('plain datagrams (no stream: it needs a transport that loses nothing)', async () => {
    const l = await memoryListener({ reliable: false })
    expectClean(await runResumeScenario({ listeners: [l], connectors: [memoryConnector(l.address.port)], streamItems: 0 }), { items: 0 })
  })

  it('across transports of one serve(): datagrams, then a stream transport', async () => {
    const dl = await memoryListener({ reliable: false })
    const sl = await memoryListener()
    const r = await runResumeScenario({ listeners: [dl, sl], connectors: [memoryConnector(dl.address.port), memoryConnector(sl.address.port)], reliable: true })
    expectClean(r)
    expect(r.connections).toBe(2)
  })
})

// ---------------------------------------------------------------- refusals and bounds

const echo = command('echo', bp.string, bp.string)
const hang = command('hang', bp.unit, bp.unit)
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function setup(
  opts: { windowMs?: number; maxBytes?: number; clientMaxBytes?: number; key?: SigningKey; serverResume?: boolean; maxSessions?: number } = {},
) {
  const l = await memoryListener()
  const key = SigningKey.generate()
  const server: KiloServer<unknown> = serve(
    l,
    new KiloInterface().on(echo, (s) => s).on(hang, () => new Promise<void>(() => {})),
    {
      key,
      logger: silentLogger,
      ...(opts.maxSessions ? { maxSessions: opts.maxSessions } : {}),
      ...(opts.serverResume === false ? {} : { resume: { windowMs: opts.windowMs ?? 5_000, ...(opts.maxBytes ? { maxBytes: opts.maxBytes } : {}) } }),
    },
  )
  const cut = cuttable(memoryConnector(l.address.port))
  const options = {
    serverId: key.publicKey,
    resume: opts.clientMaxBytes ? { maxBytes: opts.clientMaxBytes } : true,
    logger: silentLogger,
    reconnect: { minDelayMs: 5, maxDelayMs: 50 },
    ...(opts.key ? { key: opts.key } : {}),
  }
  const client: KiloClient<unknown> = connect(cut.connector, options)
  cleanups.push(async () => {
    await client.close()
    await server.close()
  })
  const events: string[] = []
  const refusals: ResumeRefusedError[] = []
  client.on('interrupted', () => events.push('interrupted'))
  client.on('resumed', () => events.push('resumed'))
  client.on('resumeRefused', (e) => {
    events.push(`refused:${e.reason}`)
    refusals.push(e)
  })
  server.on('sessionInterrupted', () => events.push('server:interrupted'))
  server.on('sessionResumed', () => events.push('server:resumed'))
  await client.ready()
  const session = () => (client as unknown as { connection: Session | null }).connection
  return { server, client, cut, options, events, refusals, session, port: l.address.port, key }
}

async function until(what: () => boolean, ms = 3000) {
  const end = Date.now() + ms
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await sleep(2)
  }
}

describe('resumption under a bulk transfer', () => {
  it('a 4 MiB upload through a sink and a 4 MiB stream stay within a 256 KiB bound (items wait for ACKs)', async () => {
    const up = sink('bulk.up', bpc.unit, bpc.bytes, bpc.u32)
    const down = stream('bulk.down', bpc.u32, bpc.bytes)
    const l = await memoryListener()
    const key = SigningKey.generate()
    const iface = new KiloInterface()
      .on(up, async (_, items) => {
        let n = 0
        for await (const b of items) n += b.length
        return n
      })
      .on(down, async function* (count) {
        for (let i = 0; i < count; i++) yield new Uint8Array(16 * 1024).fill(i & 255)
      })
    const server = serve(l, iface, { key, logger: silentLogger, resume: { maxBytes: 256 * 1024 } })
    const client = connect(memoryConnector(l.address.port), {
      serverId: key.publicKey,
      logger: silentLogger,
      resume: { maxBytes: 256 * 1024 },
      reconnect: false,
    })
    cleanups.push(async () => {
      await client.close()
      await server.close()
    })
    await client.ready()
    async function* chunks() {
      for (let i = 0; i < 256; i++) yield new Uint8Array(16 * 1024)
    }
    let got = 0
    const [sent] = await Promise.all([
      client.sink(up, undefined, chunks()),
      (async () => {
        for await (const b of client.stream(down, 256)) got += b.length
      })(),
    ])
    expect(sent).toBe(4 * 1024 * 1024)
    expect(got).toBe(4 * 1024 * 1024)
    expect(client.state).toBe('connected')
  })
})

describe('resumption refusals and bounds', () => {
  it('states: connected -> interrupted -> connected (resumed); the server counts the waiting session', async () => {
    const { server, client, cut, events } = await setup()
    const states: string[] = []
    client.on('state', (s) => states.push(s))
    cut.cut(30)
    await until(() => server.waitingCount === 1)
    expect(server.sessionCount).toBe(1)
    await until(() => events.includes('resumed'))
    expect(states).toEqual(['interrupted', 'connected'])
    expect(server.waitingCount).toBe(0)
    expect(await client.call(echo, 'after')).toBe('after')
  })

  it('a full server (its waiting session counted) still lets that session resume, and refuses a new one', async () => {
    const { server, client, cut, events, port, key } = await setup({ maxSessions: 1 })
    cut.cut(200)
    await until(() => server.waitingCount === 1)
    const other = connect(memoryConnector(port), { serverId: key.publicKey, logger: silentLogger, reconnect: false })
    const e = await other.ready({ timeoutMs: 2000 }).catch((x) => x)
    expect(e.check).toBe('full')
    await other.close()
    await until(() => events.includes('resumed'))
    expect(await client.call(echo, 'still here')).toBe('still here')
  })

  it('a forged proof (not the session key) is refused: forged; the pending call fails with outcome unknown; a fresh session follows', async () => {
    const { client, cut, events, session } = await setup()
    const pending = client.call(hang, undefined).catch((e) => e)
    await sleep(10)
    session()!.resumption!.key.set(randomBytes(32))
    cut.cut()
    const e = await pending
    expect(ConnectionClosedError.isInstance(e) && e.outcome).toBe('unknown')
    await until(() => client.state === 'connected' && events.some((x) => x.startsWith('refused')))
    expect(events).toContain('refused:forged')
    expect(await client.call(echo, 'fresh')).toBe('fresh')
  })

  it('an unknown resume id is refused: unknown', async () => {
    const { cut, events, session } = await setup()
    session()!.resumption!.id = randomBytes(16)
    cut.cut()
    await until(() => events.includes('refused:unknown'))
  })

  it('a run of resume attempts with unknown ids: each refused by name, nothing left behind on the server', async () => {
    const { server, cut, refusals, session } = await setup({ windowMs: 300 })
    for (let i = 0; i < 20; i++) {
      await until(() => session() !== null && session()!.resumption!.active)
      session()!.resumption!.id = randomBytes(16)
      cut.cut()
      await until(() => refusals.length === i + 1)
    }
    expect(refusals.map((e) => e.reason)).toEqual(Array(20).fill('unknown'))
    // the sessions left waiting by the cuts end after their window: one live session remains,
    // and no handshake or resume attempt is left half-open
    await until(() => server.sessionCount === 1 && server.waitingCount === 0 && server.halfOpenCount === 0)
  })

  it('past the window the session is gone: unknown', async () => {
    const { server, cut, events } = await setup({ windowMs: 1 })
    const closed: string[] = []
    server.on('sessionClosed', (_s, reason) => closed.push(reason))
    cut.cut(40)
    // the client learned the window from SESSION: it gives up as soon as the server does
    await until(() => events.includes('refused:expired') || events.includes('refused:unknown'))
    await until(() => closed.some((r) => r.startsWith('not resumed within 1 ms')))
  })

  it('another client identity is refused: foreign', async () => {
    const { cut, events, options } = await setup({ key: SigningKey.generate() })
    ;(options as { key: SigningKey }).key = SigningKey.generate()
    cut.cut()
    await until(() => events.includes('refused:foreign'))
  })

  it('a server without resumption answers no SESSION: the session ends with its link as before', async () => {
    const { client, cut, events, session } = await setup({ serverResume: false })
    expect(session()!.resumption!.active).toBe(false)
    cut.cut()
    await until(() => client.state === 'connected' && session() !== null && !session()!.isClosed)
    expect(events).toEqual([])
  })

  it('more than maxBytes unacknowledged ends the session, pending calls: outcome unknown; a message is at most maxBytes / 4', async () => {
    const { client, cut, session, events } = await setup({ clientMaxBytes: 1024 })
    const s = session()!
    // a single message larger than a quarter of the bound is refused locally
    const big = await client.call(echo, 'x'.repeat(400)).catch((x) => x)
    expect(MessageTooLargeError.isInstance(big) && big.limit).toBe(256)
    expect(s.isClosed).toBe(false)
    // while the link is down, what is sent is kept: past the bound the session ends
    cut.cut(500)
    await until(() => client.state === 'interrupted')
    const pending = Array.from({ length: 10 }, (_, i) => client.call(echo, `${i}`.repeat(200)).catch((x) => x))
    const errors = await Promise.all(pending)
    for (const e of errors) expect(ConnectionClosedError.isInstance(e) && e.outcome).toBe('unknown')
    expect(errors[0].message).toMatch(/resume buffer full: \d+ bytes unacknowledged \(maxBytes 1024\)/)
    expect(s.isClosed).toBe(true)
    await until(() => events.includes('refused:buffer'))
  })

  it('a kept record that does not fit the new transport: too-large, the session ends on both sides', async () => {
    const sl = await memoryListener()
    const dl = await memoryListener({ reliable: false, maxFrame: 2000 })
    const key = SigningKey.generate()
    const server = serve(
      [sl, dl],
      new KiloInterface().on(echo, (x) => x),
      { key, logger: silentLogger, resume: true },
    )
    const closed: string[] = []
    server.on('sessionClosed', (_s, reason) => closed.push(reason))
    const cut = cuttable([memoryConnector(sl.address.port), memoryConnector(dl.address.port)])
    const client = connect(cut.connector, { serverId: key.publicKey, logger: silentLogger, resume: true, reconnect: { minDelayMs: 5, maxDelayMs: 20 } })
    const refused: string[] = []
    client.on('resumeRefused', (e) => refused.push(e.reason))
    cleanups.push(async () => {
      await client.close()
      await server.close()
    })
    await client.ready()
    cut.cut(100)
    await until(() => client.state === 'interrupted')
    const e = await client.call(echo, 'y'.repeat(10_000)).catch((x) => x)
    expect(ConnectionClosedError.isInstance(e) && e.outcome).toBe('unknown')
    await until(() => refused.includes('too-large'))
    await until(() => closed.some((r) => r.includes('too-large')))
  })

  it('a RESUME whose proof is bound to another handshake (a replay) does not verify', () => {
    const key = randomBytes(32)
    const oldTh3 = randomBytes(32)
    const newTh3 = randomBytes(32)
    const registry = new ResumeRegistry<unknown>()
    const id = randomBytes(16)
    const fake = { resumption: { id, key, parked: null }, isClosed: false, remoteId: null } as unknown as Session
    registry.add(fake)
    expect(registry.check(id, resumeProof(key, oldTh3), newTh3, null)).toBe('forged')
    expect(registry.check(id, resumeProof(key, newTh3), newTh3, null)).toBe(fake)
    expect(registry.check(randomBytes(16), resumeProof(key, newTh3), newTh3, null)).toBe('unknown')
    expect(registry.check(id, new Uint8Array(5), newTh3, null)).toBe('forged')
  })

  it('ResumeRefusedError names its reason', () => {
    const e = new ResumeRefusedError('forged', 'x')
    expect(e.code).toBe('kp.ResumeRefused')
    expect(ResumeRefusedError.reasonOf('nonsense')).toBe('unknown')
  })
})
