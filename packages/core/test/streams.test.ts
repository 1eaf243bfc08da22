import * as bp from '@kp/bipack'
import { SigningKey } from '@kp/crypto'
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest'
import {
  AbortedError,
  channel,
  command,
  ConnectionClosedError,
  connect,
  defineError,
  KiloInterface,
  memoryConnector,
  memoryListener,
  NotSupportedError,
  type RemoteStream,
  type SessionContext,
  serve,
  sink,
  stream,
} from '../src/index.js'

const key = SigningKey.generate()
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const count = stream('count', bp.u32, bp.u32)
const ticks = stream('ticks', bp.u32, bp.u64)
const upload = sink('upload', bp.string, bp.bytes, bp.u64)
const room = channel('room', bp.string, bp.string, bp.string)
const failing = stream('failing', bp.u32, bp.u32)
const Oops = defineError('test.Oops', bp.struct({ at: bp.u32 }))
const echo = command('echo', bp.string, bp.string)

async function setup(iface: KiloInterface<unknown>, clientIface?: KiloInterface<unknown>, opts: { reliable?: boolean } = {}) {
  const reliable = opts.reliable ?? true
  const l = await memoryListener({ reliable })
  const sessions: SessionContext<unknown>[] = []
  const s = serve(
    l,
    iface.on(echo, (x) => x).onConnected((ctx) => void sessions.push(ctx)),
    { key },
  )
  cleanups.push(() => s.close())
  const c = connect(memoryConnector(l.address.port), { serverId: key.publicKey, reconnect: false, ...(clientIface ? { iface: clientIface } : {}) })
  cleanups.push(() => c.close())
  await c.ready()
  return { s, c, sessions }
}

describe('streams', () => {
  it('a stream delivers its items in order and ends', async () => {
    const iface = new KiloInterface().on(count, async function* (n) {
      for (let i = 0; i < n; i++) yield i
    })
    const { c } = await setup(iface)
    const got: number[] = []
    for await (const x of c.stream(count, 1000)) got.push(x)
    expect(got.length).toBe(1000)
    expect(got.every((v, i) => v === i)).toBe(true)
  })

  it('break finishes the producer (its finally runs) and the stream is gone on both sides', async () => {
    let finallyRan = false
    let signalAborted = false
    const iface = new KiloInterface().on(ticks, async function* (_ms, ctx) {
      try {
        let n = 0n
        while (true) yield n++
      } finally {
        finallyRan = true
        signalAborted = ctx.signal.aborted
      }
    })
    const { c, sessions } = await setup(iface)
    for await (const t of c.stream(ticks, 1, { credit: 4 })) if (t >= 10n) break
    await new Promise((r) => setTimeout(r, 20))
    expect(finallyRan).toBe(true)
    expect(signalAborted).toBe(true)
    expect((sessions[0] as unknown as { streams: { size: number } }).streams.size).toBe(0)
  })

  it('a sink reads an AsyncIterable or a ReadableStream and answers once', async () => {
    const iface = new KiloInterface().on(upload, async (name, items) => {
      let n = BigInt(name.length)
      for await (const b of items) n += BigInt(b.length)
      return n
    })
    const { c } = await setup(iface)
    async function* chunks() {
      for (let i = 0; i < 100; i++) yield new Uint8Array(1000)
    }
    expect(await c.sink(upload, 'ab', chunks())).toBe(100_002n)
    const rs = new ReadableStream<Uint8Array>({
      start(ctl) {
        for (let i = 0; i < 10; i++) ctl.enqueue(new Uint8Array(10))
        ctl.close()
      },
    })
    expect(await c.sink(upload, '', rs)).toBe(100n)
  })

  it('a channel carries items both ways', async () => {
    const iface = new KiloInterface().on(room, async function* (name, incoming) {
      for await (const line of incoming) yield `${name}: ${line}`
      yield 'bye'
    })
    const { c } = await setup(iface)
    const got: string[] = []
    for await (const line of c.channel(room, 'lobby', ['a', 'b', 'c'])) got.push(line)
    expect(got).toEqual(['lobby: a', 'lobby: b', 'lobby: c', 'bye'])
  })

  it('an error thrown mid-stream arrives as its class after the items before it', async () => {
    const iface = new KiloInterface().on(failing, async function* (n) {
      for (let i = 0; i < n; i++) yield i
      throw new Oops('boom', { at: n })
    })
    const { c } = await setup(iface)
    const got: number[] = []
    const e = await (async () => {
      for await (const x of c.stream(failing, 5)) got.push(x)
    })().catch((x) => x)
    expect(got).toEqual([0, 1, 2, 3, 4])
    expect(Oops.isInstance(e)).toBe(true)
    expect(e.data).toEqual({ at: 5 })
  })

  it('the server opens streams to the client too', async () => {
    const clientIface = new KiloInterface().on(count, async function* (n) {
      for (let i = 0; i < n; i++) yield i * 2
    })
    const { sessions } = await setup(new KiloInterface(), clientIface)
    const got: number[] = []
    for await (const x of sessions[0]!.stream(count, 3)) got.push(x)
    expect(got).toEqual([0, 2, 4])
  })

  it('readable is a pull-based ReadableStream', async () => {
    let pulled = 0
    const iface = new KiloInterface().on(count, async function* (n) {
      for (let i = 0; i < n; i++) {
        pulled++
        yield i
      }
    })
    const { c } = await setup(iface)
    const rs = c.stream(count, 5).readable
    expect(rs).toBeInstanceOf(ReadableStream)
    const reader = rs.getReader()
    const got: number[] = []
    for (let r = await reader.read(); !r.done; r = await reader.read()) got.push(r.value)
    expect(got).toEqual([0, 1, 2, 3, 4])
    expect(pulled).toBe(5)
  })

  it('plain UDP refuses to open a stream, naming reliable mode', async () => {
    const { c } = await setup(new KiloInterface(), undefined, { reliable: false })
    const e = await c
      .stream(count, 1)
      .next()
      .catch((x) => x)
    expect(NotSupportedError.isInstance(e)).toBe(true)
    expect(e.message).toMatch(/reliable: true/)
    await expect(c.sink(upload, 'x', [])).rejects.toThrow(/reliable datagram mode/)
  })

  it('the caller aborting ends the stream on both sides', async () => {
    let aborted: unknown = null
    const iface = new KiloInterface().on(ticks, async function* (_ms, ctx) {
      let n = 0n
      try {
        while (true) {
          yield n++
          await new Promise((r) => setTimeout(r, 5))
        }
      } finally {
        aborted = ctx.signal.reason
      }
    })
    const { c } = await setup(iface)
    const ac = new AbortController()
    const it = c.stream(ticks, 1, { signal: ac.signal })[Symbol.asyncIterator]()
    expect((await it.next()).value).toBe(0n)
    ac.abort()
    const e = await it.next().catch((x) => x)
    expect(AbortedError.isInstance(e)).toBe(true)
    await new Promise((r) => setTimeout(r, 30))
    expect(AbortedError.isInstance(aborted)).toBe(true)
  })

  it('closing the connection ends streams on both sides with ConnectionClosedError', async () => {
    let serverSaw: unknown = null
    const iface = new KiloInterface().on(ticks, async function* (_ms, ctx) {
      try {
        while (true) {
          yield 1n
          await new Promise((r) => setTimeout(r, 5))
        }
      } finally {
        serverSaw = ctx.signal.reason
      }
    })
    const { c } = await setup(iface)
    const it = c.stream(ticks, 1)[Symbol.asyncIterator]()
    await it.next()
    await c.close()
    const e = await it.next().catch((x) => x)
    expect(ConnectionClosedError.isInstance(e)).toBe(true)
    await new Promise((r) => setTimeout(r, 30))
    expect(ConnectionClosedError.isInstance(serverSaw)).toBe(true)
  })

  it('byte items larger than one message are cut into items that fit', async () => {
    const l = await memoryListener()
    let sizes: number[] = []
    const iface = new KiloInterface().on(upload, async (_n, items) => {
      let total = 0n
      for await (const b of items) {
        sizes.push(b.length)
        total += BigInt(b.length)
      }
      return total
    })
    const s = serve(l, iface, { key, maxMessage: 4096 })
    cleanups.push(() => s.close())
    const c = connect(memoryConnector(l.address.port), { serverId: key.publicKey, reconnect: false })
    cleanups.push(() => c.close())
    expect(await c.sink(upload, 'big', [new Uint8Array(10_000), new Uint8Array(5)])).toBe(10_005n)
    expect(sizes.length).toBeGreaterThan(2)
    expect(Math.max(...sizes)).toBeLessThan(4096)
    sizes = []
  })

  it('readable.cancel() stops the producer', async () => {
    let finallyRan = false
    const iface = new KiloInterface().on(count, async function* () {
      try {
        for (let i = 0; ; i++) yield i
      } finally {
        finallyRan = true
      }
    })
    const { c } = await setup(iface)
    const reader = c.stream(count, 0).readable.getReader()
    expect((await reader.read()).value).toBe(0)
    expect((await reader.read()).value).toBe(1)
    await reader.cancel()
    await c.call(echo, 'sync')
    expect(finallyRan).toBe(true)
  })

  it("a sink handler that returns early stops the caller's source and its result arrives", async () => {
    const iface = new KiloInterface().on(upload, async (_name, items) => {
      let n = 0n
      for await (const b of items) {
        n += BigInt(b.length)
        if (n >= 30n) break
      }
      return n
    })
    const { c } = await setup(iface)
    let sourceFinished = false
    async function* endless() {
      try {
        for (;;) yield new Uint8Array(10)
      } finally {
        sourceFinished = true
      }
    }
    expect(await c.sink(upload, 'x', endless())).toBe(30n)
    await c.call(echo, 'sync')
    expect(sourceFinished).toBe(true)
  })

  it('a sink from the server to the client, and a failing source fails the sink with its error', async () => {
    let handlerSaw: unknown = null
    const clientIface = new KiloInterface().on(upload, async (_name, items) => {
      let n = 0n
      try {
        for await (const b of items) n += BigInt(b.length)
      } catch (e) {
        handlerSaw = e
        throw e
      }
      return n
    })
    const { sessions } = await setup(new KiloInterface(), clientIface)
    expect(await sessions[0]!.sink(upload, 'x', [new Uint8Array(5), new Uint8Array(6)])).toBe(11n)
    async function* broken() {
      yield new Uint8Array(1)
      throw new Oops('source broke', { at: 1 })
    }
    const e = await sessions[0]!.sink(upload, 'y', broken()).catch((x) => x)
    expect(Oops.isInstance(e)).toBe(true) // the caller's own error, as thrown
    await new Promise((r) => setTimeout(r, 20))
    expect(AbortedError.isInstance(handlerSaw)).toBe(true) // the handler was cancelled
  })

  it('streams beyond maxStreams wait on the opening side, then run', async () => {
    let running = 0
    let most = 0
    const iface = new KiloInterface().on(count, async function* (n) {
      running++
      most = Math.max(most, running)
      try {
        for (let i = 0; i < n; i++) {
          await new Promise((r) => setTimeout(r, 1))
          yield i
        }
      } finally {
        running--
      }
    })
    const l = await memoryListener()
    const s = serve(l, iface, { key })
    cleanups.push(() => s.close())
    const c = connect(memoryConnector(l.address.port), { serverId: key.publicKey, reconnect: false, maxStreams: 2 })
    cleanups.push(() => c.close())
    const all = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const got: number[] = []
        for await (const x of c.stream(count, 5)) got.push(x)
        return got
      }),
    )
    expect(all.every((g) => g.join() === '0,1,2,3,4')).toBe(true)
    expect(most).toBe(2)
  })

  it('validates what the caller passes', () => {
    const c = connect(memoryConnector(1), { serverId: key.publicKey, reconnect: false, handshakeTimeoutMs: 100 })
    cleanups.push(() => c.close())
    expect(() => c.stream(upload as never, 'x')).toThrow(/'upload' is a sink: use peer.sink\(\)/)
    expect(() => c.stream(echo as never, 'x')).toThrow(TypeError)
    expect(() => c.stream(count, 1, { credit: 0 })).toThrow(RangeError)
    expect(() => c.channel(room, 'x', 42 as never)).toThrow(/"source" expected an AsyncIterable, an Iterable or a ReadableStream/)
    expect(() => stream('', bp.u32, bp.u32)).toThrow(TypeError)
  })

  it('types hold end to end', () => {
    const iface = new KiloInterface<{ user: string }>()
    iface.on(ticks, async function* (everyMs, ctx) {
      expectTypeOf(everyMs).toEqualTypeOf<number>()
      expectTypeOf(ctx.session.user).toEqualTypeOf<string>()
      yield 1n
    })
    iface.on(upload, async (name, items) => {
      expectTypeOf(name).toEqualTypeOf<string>()
      expectTypeOf(items).toEqualTypeOf<AsyncIterable<Uint8Array>>()
      return 1n
    })
    iface.on(room, async function* (name, incoming) {
      expectTypeOf(incoming).toEqualTypeOf<AsyncIterable<string>>()
      yield name
    })
    // type checks only: never run
    const typesOnly = (c: ReturnType<typeof connect>, ctx: SessionContext<unknown>) => {
      expectTypeOf(c.stream(ticks, 1)).toEqualTypeOf<RemoteStream<bigint>>()
      expectTypeOf(c.sink(upload, 'x', [new Uint8Array(1)])).toEqualTypeOf<Promise<bigint>>()
      expectTypeOf(c.channel(room, 'x', ['a'])).toEqualTypeOf<RemoteStream<string>>()
      expectTypeOf(ctx.stream(count, 1)).toEqualTypeOf<RemoteStream<number>>()
      // @ts-expect-error: a stream's items are bigints
      iface.on(ticks, async function* () {
        yield 'no'
      })
      // @ts-expect-error: a sink's result is a bigint
      iface.on(upload, async () => 'no')
      // @ts-expect-error: the source's items must be the sink's item type
      void c.sink(upload, 'x', ['not bytes'])
      // @ts-expect-error: a stream is not a command
      void c.call(ticks, 1)
    }
    expect(typeof typesOnly).toBe('function')
  })
})
