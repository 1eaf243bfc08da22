import * as bp from '@kp/bipack'
import { SigningKey } from '@kp/crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { command, connect, KiloInterface, memoryConnector, memoryListener, serve, type ServeOptions } from '../src/index.js'
import { writeCall, writePush } from '../src/protocol/messages.js'
import { rawMemoryPeer, rawPeer } from './support/raw-peer.js'

const key = SigningKey.generate()
const echo = command('echo', bp.string, bp.string)
const slow = command('slow', bp.string, bp.unit)
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
  // let late rejections surface before the trap is removed
  await new Promise((r) => setTimeout(r, 20))
  process.off('unhandledRejection', trap)
  process.off('uncaughtException', trap)
  expect(trapped).toEqual([])
})

async function server(iface: KiloInterface, opts: Partial<ServeOptions<unknown>> = {}) {
  const l = await memoryListener()
  const s = serve(l, iface, { key, ...opts })
  cleanups.push(() => s.close())
  return { s, port: l.address.port }
}

/** A good client keeps calling: the server must still answer it. */
async function goodClientAnswers(port: number): Promise<void> {
  const c = connect(memoryConnector(port), { serverId: key.publicKey, reconnect: false })
  cleanups.push(() => c.close())
  expect(await c.call(echo, 'still here', { timeoutMs: 2000 })).toBe('still here')
}

describe('hostile sessions end at most their own connection (issue 14)', () => {
  const hooks = {
    'no hooks': () => new KiloInterface().on(echo, (s) => s).on(slow, () => new Promise<void>((r) => setTimeout(r, 50))),
    'async onConnected': () =>
      new KiloInterface()
        .on(echo, (s) => s)
        .on(slow, () => new Promise<void>((r) => setTimeout(r, 50)))
        .onConnected(async () => {
          await new Promise((r) => setTimeout(r, 5))
        }),
  }
  for (const [name, make] of Object.entries(hooks)) {
    for (const auth of [false, true]) {
      const opts: Partial<ServeOptions<unknown>> = auth
        ? {
            authorize: async () => {
              await new Promise((r) => setTimeout(r, 5))
              return true
            },
          }
        : {}
      const label = `${name}${auth ? ', async authorize' : ''}`
      it(`finding 1: two CALLs with the same id in flight, right behind FINISH, close only that session (${label})`, async () => {
        const { s, port } = await server(make(), opts)
        const peer = await rawMemoryPeer(port)
        peer.record((w) => {
          writeCall(w, 1, 'slow', bp.string.encode('a'))
          writeCall(w, 1, 'slow', bp.string.encode('b'))
        })
        const err = await within(peer.closed)
        expect(err).toBeUndefined() // the server closes its side cleanly (a protocol error sends nothing)
        await goodClientAnswers(port)
        expect(s.sessionCount).toBe(1)
      })
      it(`finding 1: the same id reused after its answer is fine, right behind FINISH (${label})`, async () => {
        const { port } = await server(make(), opts)
        const peer = await rawMemoryPeer(port)
        peer.record((w) => {
          writeCall(w, 1, 'echo', bp.string.encode('a'))
          writeCall(w, 1, 'echo', bp.string.encode('b'))
        })
        await peer.waitPlaintexts(1)
        await goodClientAnswers(port)
      })
    }
  }

  it('finding 1: the same id in a later record while the first call runs closes only that session', async () => {
    const iface = new KiloInterface().on(echo, (s) => s).on(slow, () => new Promise<void>((r) => setTimeout(r, 50)))
    const { port } = await server(iface)
    const peer = await rawMemoryPeer(port)
    peer.record((w) => writeCall(w, 7, 'slow', bp.string.encode('x')))
    await peer.waitPlaintexts(1) // READY
    peer.record((w) => writeCall(w, 7, 'slow', bp.string.encode('y')))
    await within(peer.closed)
    await goodClientAnswers(port)
  })

  it('finding 7: pushes to a slow handler are bounded by maxInFlight (the session ends with a reason, memory stays put)', async () => {
    let running = 0
    let maxRunning = 0
    const iface = new KiloInterface()
      .on(echo, (s) => s)
      .on(slow, async () => {
        running++
        maxRunning = Math.max(maxRunning, running)
        await new Promise((r) => setTimeout(r, 200))
        running--
      })
    const { port } = await server(iface, { maxInFlight: 16 })
    const peer = await rawMemoryPeer(port)
    await peer.waitPlaintexts(1) // READY
    for (let i = 0; i < 100; i++)
      peer.record((w) => {
        for (let j = 0; j < 100; j++) writePush(w, 'slow', bp.string.encode('x'))
      })
    await within(peer.closed)
    expect(maxRunning).toBeLessThanOrEqual(16)
    await goodClientAnswers(port)
  })

  it('finding 9: a CALL larger than the announced maxMessage is refused on receipt (the handler never runs)', async () => {
    let ran = false
    const iface = new KiloInterface().on(echo, (s) => {
      ran = true
      return s
    })
    const { port } = await server(iface, { maxMessage: 1000 })
    const peer = await rawMemoryPeer(port)
    await peer.waitPlaintexts(1) // READY
    peer.record((w) => writeCall(w, 1, 'echo', bp.string.encode('x'.repeat(5000))))
    await within(peer.closed)
    expect(ran).toBe(false)
    await goodClientAnswers(port)
  })

  it('finding 13: a datagram server answers a repeated FINISH at most 12 times, and not after a record', async () => {
    const iface = new KiloInterface().on(echo, (s) => s)
    const l = await memoryListener({ reliable: false })
    const s = serve(l, iface, { key })
    cleanups.push(() => s.close())
    const t = await memoryConnector(l.address.port)()
    let finish: Uint8Array | null = null
    const realSend = t.send.bind(t)
    t.send = (f: Uint8Array) => {
      if (f[0] === 3) finish = f
      realSend(f)
    }
    const peer = await rawPeer(t)
    await peer.waitPlaintexts(1) // READY
    for (let i = 0; i < 40; i++) realSend(finish!)
    await new Promise((r) => setTimeout(r, 50))
    expect(peer.recordFrames() - 1).toBe(12)
    // a record from the client proves READY arrived: no answer any more
    const t2 = await memoryConnector(l.address.port)()
    let finish2: Uint8Array | null = null
    const send2 = t2.send.bind(t2)
    t2.send = (f: Uint8Array) => {
      if (f[0] === 3) finish2 = f
      send2(f)
    }
    const peer2 = await rawPeer(t2)
    await peer2.waitPlaintexts(1)
    peer2.record((w) => writeCall(w, 1, 'echo', bp.string.encode('x')))
    await peer2.waitPlaintexts(2)
    for (let i = 0; i < 5; i++) send2(finish2!)
    await new Promise((r) => setTimeout(r, 50))
    expect(peer2.recordFrames()).toBe(2)
  })

  it('more early calls than the backlog holds are answered kp.Busy, not by closing the session', async () => {
    const iface = new KiloInterface()
      .on(echo, (s) => s)
      .on(slow, () => new Promise<void>((r) => setTimeout(r, 50)))
      .onConnected(async () => {
        await new Promise((r) => setTimeout(r, 20))
      })
    const { port } = await server(iface, { maxInFlight: 8 })
    const peer = await rawMemoryPeer(port)
    peer.record((w) => {
      for (let i = 1; i <= 40; i++) writeCall(w, i, 'slow', bp.string.encode(`x${i}`))
    })
    // the backlog holds 4 x 8 calls: 8 are refused at once; of the 32 drained, 8 run and 24 are refused
    const text = () => new TextDecoder().decode(Buffer.concat(peer.plaintexts.slice(1)))
    for (let i = 0; i < 200 && (text().match(/kp\.Busy/g) ?? []).length < 32; i++) await new Promise((r) => setTimeout(r, 10))
    expect((text().match(/kp\.Busy/g) ?? []).length).toBe(32)
    await goodClientAnswers(port)
  })

  it('a call is answered even while pushes to handlers that never finish fill every slot', async () => {
    const iface = new KiloInterface()
      .on(echo, (s) => s)
      .on(slow, (_x, ctx) => new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r(), { once: true })))
    const { port } = await server(iface, { maxInFlight: 4 })
    const peer = await rawMemoryPeer(port)
    await peer.waitPlaintexts(1) // READY
    // 4 pushes take every slot, 3 more wait for one; the call behind them must not wait
    peer.record((w) => {
      for (let i = 0; i < 7; i++) writePush(w, 'slow', bp.string.encode('x'))
      writeCall(w, 1, 'echo', bp.string.encode('answered-while-full'))
    })
    await within(peer.waitPlaintexts(2))
    expect(new TextDecoder().decode(peer.plaintexts[1])).toContain('answered-while-full')
    await goodClientAnswers(port)
  })

  it("a push handler's ctx.signal aborts when the session closes", async () => {
    let aborted: unknown = null
    let started!: () => void
    const running = new Promise<void>((r) => (started = r))
    const iface = new KiloInterface()
      .on(echo, (s) => s)
      .on(slow, async (_x, ctx) => {
        started()
        await new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r(), { once: true }))
        aborted = ctx.signal.reason
      })
    const { port } = await server(iface)
    const c = connect(memoryConnector(port), { serverId: key.publicKey, reconnect: false })
    cleanups.push(() => c.close())
    await c.ready()
    c.push(slow, 'long poll')
    await running
    await c.close()
    for (let i = 0; i < 100 && aborted === null; i++) await new Promise((r) => setTimeout(r, 10))
    expect(aborted).toBeInstanceOf(Error)
  })
})
