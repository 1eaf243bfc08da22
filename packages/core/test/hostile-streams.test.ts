import * as bp from '@kp/bipack'
import { SigningKey } from '@kp/crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { channel, command, connect, KiloInterface, memoryConnector, memoryListener, type ServeOptions, serve, sink, stream } from '../src/index.js'
import { Defaults, Kind } from '../src/protocol/constants.js'
import { writeCall, writeCredit, writeEnd, writeItem, writeOpen, writeStop } from '../src/protocol/messages.js'
import type { Session } from '../src/rpc/session.js'
import { received, until } from './support/peer-messages.js'
import { rawMemoryPeer } from './support/raw-peer.js'

const key = SigningKey.generate()
const echo = command('echo', bp.string, bp.string)
const count = stream('count', bp.u32, bp.u32)
const hold = stream('hold', bp.u32, bp.u32)
const upload = sink('upload', bp.string, bp.bytes, bp.u64)
const chat = channel('chat', bp.u32, bp.string, bp.string)
const stall = sink('stall', bp.string, bp.bytes, bp.u64)
const within = <T>(p: Promise<T>, ms = 3000): Promise<T> =>
  Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`not within ${ms} ms`)), ms))])
const cleanups: (() => unknown)[] = []

// Any unhandled rejection or uncaught exception during a hostile sequence fails the test.
const trapped: unknown[] = []
const trap = (e: unknown) => trapped.push(e)
beforeEach(() => {
  trapped.length = 0
  process.on('unhandledRejection', trap)
  process.on('uncaughtException', trap)
})
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await new Promise((r) => setTimeout(r, 20))
  process.off('unhandledRejection', trap)
  process.off('uncaughtException', trap)
  expect(trapped).toEqual([])
})

interface Probe {
  itemsRead: number
  sessions: Session<unknown>[]
  closed: string[]
}

async function server(opts: Partial<ServeOptions<unknown>> = {}, hookMs = 0) {
  const probe: Probe = { itemsRead: 0, sessions: [], closed: [] }
  const iface = new KiloInterface()
    .on(echo, (s) => s)
    .on(count, async function* (n) {
      for (let i = 0; i < n; i++) yield i
    })
    .on(hold, async function* (_n, ctx) {
      await new Promise((r) => ctx.signal.addEventListener('abort', r))
    })
    .on(upload, async (_name, items) => {
      let n = 0n
      for await (const b of items) {
        probe.itemsRead++
        n += BigInt(b.length)
        await new Promise((r) => setTimeout(r, 50)) // a slow reader: credit comes back slowly
      }
      return n
    })
    .on(stall, async (_name, _items, ctx) => {
      // never reads: no credit beyond the first grant
      await new Promise((r) => ctx.signal.addEventListener('abort', r))
      return 0n
    })
    .on(chat, async function* (_n, incoming) {
      for await (const line of incoming) yield line
      await new Promise((r) => setTimeout(r, 300)) // the down direction stays open a while
      yield 'done'
    })
    .onConnected(async (ctx) => {
      probe.sessions.push(ctx as Session<unknown>)
      // a slow hook: what the peer sends meanwhile waits, its stream handlers not started yet
      if (hookMs > 0) await new Promise((r) => setTimeout(r, hookMs))
    })
  const l = await memoryListener()
  const s = serve(l, iface, { key, ...opts })
  s.on('sessionClosed', (_s, reason) => probe.closed.push(reason))
  cleanups.push(() => s.close())
  return { s, port: l.address.port, probe }
}

/** A good client keeps calling: the server must still answer it. */
async function goodClientAnswers(port: number): Promise<void> {
  const c = connect(memoryConnector(port), { serverId: key.publicKey, reconnect: false })
  cleanups.push(() => c.close())
  expect(await c.call(echo, 'still here', { timeoutMs: 2000 })).toBe('still here')
  const got: number[] = []
  for await (const x of c.stream(count, 3)) got.push(x)
  expect(got).toEqual([0, 1, 2])
}

const u32 = (n: number) => bp.u32.encode(n)

describe('hostile stream messages end at most their own connection, with a named error (issue 17)', () => {
  it('items without credit: an ITEM before any CREDIT closes only that session', async () => {
    // the connect hook holds the sink's handler back, so no credit exists when the ITEM arrives
    // (once the handler runs, its first CREDIT counts as granted even before it leaves this turn)
    const { port, probe } = await server({}, 200)
    const peer = await rawMemoryPeer(port)
    peer.record((w) => {
      writeOpen(w, 1, 1, 'upload', 0, bp.string.encode('x'))
      writeItem(w, 2, bp.bytes.encode(new Uint8Array(10)))
    })
    await within(peer.closed)
    await until(() => probe.closed.length === 1)
    expect(probe.closed[0]).toMatch(/protocol error: ITEM beyond the credit granted on sink 'upload'/)
    expect(probe.itemsRead).toBe(0)
    await goodClientAnswers(port)
  })

  it('items beyond the credit granted: the reader never holds more than it granted', async () => {
    const { port, probe } = await server()
    const peer = await rawMemoryPeer(port)
    peer.record((w) => writeOpen(w, 1, 1, 'stall', 0, bp.string.encode('x')))
    await until(() => received(peer).credits.length > 0, 3000, 'first CREDIT')
    const granted = received(peer).credits.reduce((a, c) => a + c.n, 0)
    expect(granted).toBe(Defaults.streamInitialCredit)
    // exactly the credit: held, not read, the session goes on
    peer.record((w) => {
      for (let i = 0; i < granted; i++) writeItem(w, 2, bp.bytes.encode(new Uint8Array(100)))
    })
    await new Promise((r) => setTimeout(r, 30))
    expect(probe.closed).toEqual([])
    expect(probe.sessions[0]!.streamBytes).toBeLessThanOrEqual(granted * bp.bytes.encode(new Uint8Array(100)).length)
    expect(received(peer).credits.length).toBe(1) // nothing read: no more credit
    peer.record((w) => writeItem(w, 2, bp.bytes.encode(new Uint8Array(100))))
    await within(peer.closed)
    expect(probe.closed[0]).toMatch(/ITEM beyond the credit granted on sink 'stall'/)
    await goodClientAnswers(port)
  })

  it('unknown stream ids: messages for streams never opened, by either side', async () => {
    const cases: [string, (w: bp.BipackWriter) => void, RegExp][] = [
      ['ITEM for a stream the peer never opened', (w) => writeItem(w, 2 * 99, u32(1)), /ITEM for stream 99, which the peer never opened/],
      ['CREDIT for a stream the server never opened', (w) => writeCredit(w, 2 * 5 + 1, 4), /CREDIT for stream 5, which this side never opened/],
      ['STOP for stream 0', (w) => writeStop(w, 0), /STOP for stream 0, which the peer never opened/],
      ['END for a stream never opened', (w) => writeEnd(w, 7, new Uint8Array(0)), /END for stream 3, which this side never opened/],
    ]
    for (const [what, write, reason] of cases) {
      const { port, probe } = await server()
      const peer = await rawMemoryPeer(port)
      peer.record(write)
      await within(peer.closed)
      await until(() => probe.closed.length === 1, 3000, what)
      expect(probe.closed[0], what).toMatch(reason)
      await goodClientAnswers(port)
    }
  })

  it('a second terminal message on a direction still open closes the session', async () => {
    const { port, probe } = await server()
    const peer = await rawMemoryPeer(port)
    peer.record((w) => writeOpen(w, 1, 3, 'chat', 16, u32(0)))
    await until(() => received(peer).credits.length > 0, 3000, 'CREDIT')
    peer.record((w) => {
      writeItem(w, 2, bp.string.encode('hi'))
      writeEnd(w, 2, new Uint8Array(0))
      writeEnd(w, 2, new Uint8Array(0))
    })
    await within(peer.closed)
    expect(probe.closed[0]).toMatch(/a second END or FAIL on channel 'chat'/)
    await goodClientAnswers(port)
  })

  it('messages for a stream that ended are dropped without error', async () => {
    const { port, probe } = await server()
    const peer = await rawMemoryPeer(port)
    peer.record((w) => writeOpen(w, 1, 2, 'count', 16, u32(3)))
    await until(() => received(peer).ends.length === 1, 3000, 'END')
    expect(received(peer).items).toBe(3)
    // the stream is gone on the server: CREDIT, STOP and CANCEL that crossed its END are dropped
    peer.record((w) => {
      writeCredit(w, 2, 5)
      writeStop(w, 2)
      w.unsigned(Kind.Cancel).unsigned(1)
      writeCall(w, 2, 'echo', bp.string.encode('alive'))
    })
    await until(() => received(peer).results.length === 1, 3000, 'the RESULT after the late messages')
    expect(probe.closed).toEqual([])
    expect(probe.sessions[0]!.streams.size).toBe(0)
  })

  it('an OPEN flood past maxStreams is refused with kp.Busy, and the server holds at most maxStreams', async () => {
    const { port, probe } = await server({ maxStreams: 8 })
    const peer = await rawMemoryPeer(port)
    peer.record((w) => {
      for (let id = 1; id <= 100; id++) writeOpen(w, id, 2, 'hold', 16, u32(0))
    })
    await until(() => received(peer).fails.length === 92, 3000, '92 refusals')
    const r = received(peer)
    expect(new Set(r.fails.map((f) => f.code))).toEqual(new Set(['kp.Busy']))
    expect(r.fails.map((f) => f.ref)).toEqual(Array.from({ length: 92 }, (_, i) => 2 * (i + 9) + 1))
    expect(probe.sessions[0]!.streams.peerStreams).toBe(8)
    expect(probe.closed).toEqual([])
    // an OPEN whose id does not grow is a protocol error
    peer.record((w) => writeOpen(w, 50, 2, 'hold', 16, u32(0)))
    await within(peer.closed)
    expect(probe.closed[0]).toMatch(/OPEN with stream id 50, not above the last one opened \(100\)/)
    await goodClientAnswers(port)
  })

  it('credit past the bound, credit for a sink, and bad flags close the session', async () => {
    const cases: [string, (w: bp.BipackWriter) => void, RegExp][] = [
      ['credit above maxCredit', (w) => writeOpen(w, 1, 2, 'hold', Defaults.maxCredit + 1, u32(0)), /grants 2147483648 items of credit/],
      [
        'a CREDIT that raises the credit above maxCredit',
        (w) => {
          writeOpen(w, 1, 2, 'hold', Defaults.maxCredit, u32(0))
          writeCredit(w, 2, 1)
        },
        /raises the credit on stream 'hold' to 2147483648/,
      ],
      ['credit for a sink', (w) => writeOpen(w, 1, 1, 'upload', 5, bp.string.encode('x')), /grants credit for items it will not receive/],
      ['flags 0', (w) => writeOpen(w, 1, 0, 'hold', 0, u32(0)), /OPEN of 'hold' with flags 0/],
      [
        'CREDIT of 0',
        (w) => {
          writeOpen(w, 1, 1, 'upload', 0, bp.string.encode('x'))
          writeCredit(w, 2, 0)
        },
        /CREDIT on sink 'upload' in a direction that carries no items|CREDIT of 0/,
      ],
    ]
    for (const [what, write, reason] of cases) {
      const { port, probe } = await server()
      const peer = await rawMemoryPeer(port)
      peer.record(write)
      await within(peer.closed)
      await until(() => probe.closed.length === 1, 3000, what)
      expect(probe.closed[0], what).toMatch(reason)
      await goodClientAnswers(port)
    }
  })
})
