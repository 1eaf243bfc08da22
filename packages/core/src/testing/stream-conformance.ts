import * as bp from '@kp/bipack'
import type { SigningKey } from '@kp/crypto'
import { expect } from 'vitest'
import { connect } from '../client/connect.js'
import type { ConnectOptions, KiloClient } from '../client/kilo-client.js'
import { AbortedError } from '../errors/aborted-error.js'
import { ConnectionClosedError } from '../errors/connection-closed-error.js'
import { NotSupportedError } from '../errors/not-supported-error.js'
import { defineError } from '../rpc/application-error.js'
import { command } from '../rpc/command.js'
import type { SessionContext } from '../rpc/context.js'
import { KiloInterface } from '../rpc/kilo-interface.js'
import type { Session } from '../rpc/session.js'
import { type ServeOptions, serve } from '../server/kilo-server.js'
import { channel, sink, stream } from '../stream/define.js'
import type { RemoteStream } from '../stream/remote-stream.js'
import type { Connector, Transport, TransportListener } from '../transport/transport.js'

/** Options of a conformance target that concern streams. */
export interface StreamTargetOptions {
  /**
   * Bytes of the stream that feeds a slow reader (64 KiB items). Default 64 MiB on reliable
   * transports and 16 MiB in reliable datagram mode (its window makes it slower): many times
   * the bounds the scenario checks, and short enough for a test run (`pnpm bench` streams 1 GiB).
   */
  streamBytes?: number
}

/** What {@link runStreamConformance} needs from the suite that runs it. */
export interface StreamSuiteHooks {
  target: StreamTargetOptions & {
    name: string
    reliable: boolean
    listen(port?: number): Promise<TransportListener>
    connector(port: number): Connector
  }
  serverKey: SigningKey
  /** Declares one scenario (the suite's `it`, with its skips and timeout). */
  scenario(name: string, fn: () => Promise<void>): void
  /** Runs after the current scenario. */
  cleanup(fn: () => unknown): void
}

/** Streams of the suite (exported so transport tests can reuse them). */
export const streamSuiteApi = {
  count: stream('suite.count', bp.u32, bp.u32),
  bytes: stream('suite.bytes', bp.struct({ items: bp.u32, size: bp.u32 }), bp.bytes),
  forever: stream('suite.forever', bp.u32, bp.u32),
  failing: stream('suite.failing', bp.u32, bp.u32),
  upload: sink('suite.upload', bp.string, bp.bytes, bp.u64),
  chat: channel('suite.chat', bp.u32, bp.string, bp.string),
  short: channel('suite.short', bp.u32, bp.u32, bp.u32),
  echo: command('suite.streamEcho', bp.string, bp.string),
}

/** An application error thrown in the middle of a stream. */
export const SuiteStreamBroken = defineError('suite.StreamBroken', bp.struct({ after: bp.u32 }))

const MiB = 1024 * 1024

/** What the handlers of the stream scenarios report. */
interface StreamProbe {
  sessions: SessionContext<unknown>[]
  finallyRan: number
  signalReasons: unknown[]
  produced: number
  incomingEndedAt: number
  clientSourceFinished: boolean
}

function handlers(iface: KiloInterface<unknown>, probe: StreamProbe, scale: number): KiloInterface<unknown> {
  const api = streamSuiteApi
  return iface
    .on(api.echo, (s) => s)
    .on(api.count, async function* (n) {
      for (let i = 0; i < n; i++) yield i * scale
    })
    .on(api.bytes, async function* ({ items, size }) {
      const chunk = new Uint8Array(size)
      for (let i = 0; items === 0 || i < items; i++) {
        chunk[0] = i & 255
        probe.produced++
        yield chunk
      }
    })
    .on(api.forever, async function* (_n, ctx) {
      try {
        for (let i = 0; ; i++) yield i
      } finally {
        probe.finallyRan++
        probe.signalReasons.push(ctx.signal.reason)
      }
    })
    .on(api.failing, async function* (n) {
      for (let i = 0; i < n; i++) yield i
      throw new SuiteStreamBroken(`broken after ${n}`, { after: n })
    })
    .on(api.upload, async (name, items) => {
      let n = BigInt(name.length)
      for await (const b of items) n += BigInt(b.length)
      return n
    })
    .on(api.chat, async function* (extra, incoming) {
      for await (const line of incoming) yield `echo: ${line}`
      probe.incomingEndedAt = performance.now()
      for (let i = 0; i < extra; i++) {
        await new Promise((r) => setTimeout(r, 5))
        yield `after: ${i}`
      }
    })
    .on(api.short, async function* (n) {
      for (let i = 0; i < n; i++) yield i
    })
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function collect<T>(s: RemoteStream<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of s) out.push(x)
  return out
}

/**
 * The stream scenarios of the transport conformance suite (PROTOCOL.md 14), run by
 * `runTransportConformance`. On a datagram target they run in reliable datagram mode, and one
 * more scenario checks that plain datagram sessions refuse streams.
 */
export function runStreamConformance(h: StreamSuiteHooks): void {
  const { target, serverKey, scenario } = h
  const datagram = !target.reliable

  async function start(opts: Partial<ServeOptions<unknown>> = {}) {
    const probe: StreamProbe = { sessions: [], finallyRan: 0, signalReasons: [], produced: 0, incomingEndedAt: 0, clientSourceFinished: false }
    const listener = await target.listen()
    const iface = handlers(new KiloInterface(), probe, 1).onConnected((ctx) => void probe.sessions.push(ctx))
    const server = serve(listener, iface, { key: serverKey, ...opts })
    h.cleanup(() => server.close())
    return { server, probe, port: listener.address.port }
  }

  function client(port: number, opts: ConnectOptions<unknown> = {}, tap?: { transport: Transport | null }): KiloClient<unknown> {
    const probe: StreamProbe = { sessions: [], finallyRan: 0, signalReasons: [], produced: 0, incomingEndedAt: 0, clientSourceFinished: false }
    const base = target.connector(port)
    const connector: Connector = tap
      ? async (signal) => {
          const t = await base(signal)
          tap.transport = t
          return t
        }
      : base
    const c = connect(connector, {
      serverId: serverKey.publicKey,
      iface: handlers(new KiloInterface(), probe, 2),
      reconnect: false,
      ...(datagram ? { reliable: true } : {}),
      ...opts,
    })
    h.cleanup(() => c.close())
    return c
  }

  scenario('streams: 100 000 small items arrive in order', async () => {
    const { port } = await start()
    const c = client(port)
    let next = 0
    for await (const x of c.stream(streamSuiteApi.count, 100_000)) {
      if (x !== next) throw new Error(`item ${next} arrived as ${x}`)
      next++
    }
    expect(next).toBe(100_000)
  })

  scenario('streams: a sink reads a ReadableStream and answers once', async () => {
    const { port } = await start()
    const c = client(port)
    let pulls = 0
    const source = new ReadableStream<Uint8Array>({
      pull(ctl) {
        if (pulls++ === 200) ctl.close()
        else ctl.enqueue(new Uint8Array(1000))
      },
    })
    expect(await c.sink(streamSuiteApi.upload, 'abc', source)).toBe(200_003n)
  })

  scenario('streams: a large stream into a slow reader keeps both sides bounded', async () => {
    const { port, probe } = await start()
    const c = client(port)
    const size = 64 * 1024
    const items = Math.ceil((target.streamBytes ?? (datagram ? 16 : 64) * MiB) / size)
    const s = c.stream(streamSuiteApi.bytes, { items, size })
    let read = 0
    let bytes = 0
    let maxHeldItems = 0
    let maxHeldBytes = 0
    let maxAhead = 0
    let maxServer = 0
    for await (const b of s) {
      read++
      bytes += b.length
      if (b[0] !== ((read - 1) & 255)) throw new Error(`item ${read - 1} out of order`)
      const session = probe.sessions[0] as Session<unknown>
      maxHeldItems = Math.max(maxHeldItems, s.bufferedItems)
      maxHeldBytes = Math.max(maxHeldBytes, s.bufferedBytes)
      maxAhead = Math.max(maxAhead, probe.produced - read)
      maxServer = Math.max(maxServer, session.streamBytes + session.bufferedAmount)
      await sleep(1) // one item every millisecond or so
    }
    expect(read).toBe(items)
    expect(bytes).toBe(items * size)
    // the reader holds about 512 KiB (credit follows the bytes held), the producer runs just ahead
    // of the reader, and the sending side holds at most its queue and the transport's high water
    expect(maxHeldBytes).toBeLessThanOrEqual(2 * MiB)
    expect(maxHeldItems).toBeLessThanOrEqual(32)
    expect(maxAhead).toBeLessThanOrEqual(64)
    expect(maxServer).toBeLessThanOrEqual(4 * MiB)
  })

  scenario("streams: break after 10 items runs the producer's finally within one round trip", async () => {
    const { port, probe } = await start()
    const c = client(port)
    let n = 0
    for await (const x of c.stream(streamSuiteApi.forever, 0)) {
      expect(x).toBe(n)
      if (++n === 10) break
    }
    // a call made right after break returns after one round trip: by then the finally has run
    expect(await c.call(streamSuiteApi.echo, 'after break')).toBe('after break')
    expect(probe.finallyRan).toBe(1)
    expect(AbortedError.isInstance(probe.signalReasons[0])).toBe(true)
  })

  scenario('streams: an error thrown mid-stream arrives as its class after the items before it', async () => {
    const { port } = await start()
    const c = client(port)
    const got: number[] = []
    const e = await (async () => {
      for await (const x of c.stream(streamSuiteApi.failing, 50)) got.push(x)
    })().catch((x) => x)
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i))
    expect(SuiteStreamBroken.isInstance(e)).toBe(true)
    expect(e).toBeInstanceOf(SuiteStreamBroken)
    expect(e.data).toEqual({ after: 50 })
  })

  scenario('streams: the two directions of a channel end at different times', async () => {
    const { port, probe } = await start()
    const c = client(port)
    // the caller's direction ends first; the handler keeps sending after it
    const got = await collect(c.channel(streamSuiteApi.chat, 3, ['a', 'b', 'c']))
    expect(got).toEqual(['echo: a', 'echo: b', 'echo: c', 'after: 0', 'after: 1', 'after: 2'])
    expect(probe.incomingEndedAt).toBeGreaterThan(0)
    // the handler's direction ends first; the caller's endless source is stopped
    let sourceFinished = false
    async function* endless() {
      try {
        for (let i = 0; ; i++) {
          yield i
          await sleep(1)
        }
      } finally {
        sourceFinished = true
      }
    }
    expect(await collect(c.channel(streamSuiteApi.short, 2, endless()))).toEqual([0, 1])
    const end = Date.now() + 5000
    while (!sourceFinished && Date.now() < end) await sleep(5)
    expect(sourceFinished).toBe(true)
  })

  scenario('streams: both sides open streams at once', async () => {
    const { port, probe } = await start()
    const c = client(port)
    await c.ready()
    while (probe.sessions.length === 0) await sleep(1)
    const server = probe.sessions[0]!
    // both first streams of their side: the same id, told apart by the opener bit
    const [fromServer, fromClient, up, down] = await Promise.all([
      collect(c.stream(streamSuiteApi.count, 100)),
      collect(server.stream(streamSuiteApi.count, 100)),
      c.sink(streamSuiteApi.upload, 'x', [new Uint8Array(10), new Uint8Array(20)]),
      server.sink(streamSuiteApi.upload, 'yy', [new Uint8Array(30)]),
    ])
    expect(fromServer).toEqual(Array.from({ length: 100 }, (_, i) => i))
    expect(fromClient).toEqual(Array.from({ length: 100 }, (_, i) => i * 2))
    expect([up, down]).toEqual([31n, 32n])
  })

  scenario('streams: a dropped connection ends every stream on both sides with a clear error', async () => {
    const { port, probe } = await start(datagram ? { idleTimeoutMs: 1500, pingIntervalMs: 1000 } : {})
    const tap = { transport: null as Transport | null }
    const c = client(port, {}, tap)
    const down = c.stream(streamSuiteApi.forever, 0)[Symbol.asyncIterator]()
    expect((await down.next()).value).toBe(0)
    const server = probe.sessions[0]!
    const up = server.stream(streamSuiteApi.forever, 0)[Symbol.asyncIterator]()
    expect((await up.next()).value).toBe(0)
    async function* endless() {
      for (;;) {
        yield new Uint8Array(100)
        await sleep(1)
      }
    }
    const upload = c.sink(streamSuiteApi.upload, 'x', endless())
    await sleep(20)
    tap.transport!.close()
    const errors = await Promise.all([drain(down), upload.catch((x) => x), drain(up)])
    for (const e of errors) {
      expect(ConnectionClosedError.isInstance(e), String(e)).toBe(true)
      expect((e as Error).message).toMatch(/connection closed/)
    }
    expect(probe.finallyRan).toBe(1)
    expect(ConnectionClosedError.isInstance(probe.signalReasons[0])).toBe(true)
  })

  scenario('streams: calls keep answering quickly while a stream saturates the link', async () => {
    const { port } = await start()
    const c = client(port)
    const s = c.stream(streamSuiteApi.bytes, { items: 0, size: 64 * 1024 })
    let received = 0
    const reading = (async () => {
      for await (const _ of s) received++
    })()
    while (received < 32) await sleep(1)
    const latencies: number[] = []
    const before = received
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now()
      expect(await c.call(streamSuiteApi.echo, `call ${i}`)).toBe(`call ${i}`)
      latencies.push(performance.now() - t0)
    }
    const during = received - before
    await s.return()
    await reading
    latencies.sort((a, b) => a - b)
    // the stream kept the link busy the whole time, and the calls went through beside it: never
    // starved (in reliable datagram mode a call waits behind up to one ARQ window of items)
    expect(during).toBeGreaterThan(30)
    expect(latencies[Math.floor(latencies.length * 0.9)]!).toBeLessThan(datagram ? 1500 : 250)
  })

  if (datagram) {
    scenario('streams: plain datagram sessions refuse them, naming reliable mode', async () => {
      const { port } = await start()
      const c = client(port, { reliable: false })
      const e = await c
        .stream(streamSuiteApi.count, 1)
        .next()
        .catch((x) => x)
      expect(NotSupportedError.isInstance(e)).toBe(true)
      expect(e.message).toMatch(/reliable: true/)
      expect(await c.call(streamSuiteApi.echo, 'still fine')).toBe('still fine')
    })
  }
}

/** Reads a stream to its end and returns the error it ends with (or null). */
async function drain(it: AsyncIterator<unknown>): Promise<unknown> {
  try {
    for (;;) if ((await it.next()).done) return null
  } catch (e) {
    return e
  }
}
