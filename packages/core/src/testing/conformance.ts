import * as bp from '@kp/bipack'
import { PublicKey, SigningKey } from '@kp/crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { connect } from '../client/connect.js'
import type { ConnectOptions, KiloClient } from '../client/kilo-client.js'
import { AbortedError } from '../errors/aborted-error.js'
import { ConnectionClosedError } from '../errors/connection-closed-error.js'
import { HandshakeError } from '../errors/handshake-error.js'
import { MessageTooLargeError } from '../errors/message-too-large-error.js'
import { RemoteError } from '../errors/remote-error.js'
import { writePush } from '../protocol/messages.js'
import { defineError } from '../rpc/application-error.js'
import { command } from '../rpc/command.js'
import type { SessionContext } from '../rpc/context.js'
import { KiloInterface } from '../rpc/kilo-interface.js'
import { type ServeOptions, serve } from '../server/kilo-server.js'
import type { Connector, Transport, TransportListener } from '../transport/transport.js'
import { bytesEqual } from '../util/bytes.js'
import { runStreamConformance, type StreamTargetOptions } from './stream-conformance.js'

/** What a transport package hands to {@link runTransportConformance}. */
export interface ConformanceTarget extends StreamTargetOptions {
  /** Shown in the test names. */
  name: string
  /** Must match the transports' `reliable`. */
  reliable: boolean
  /** Starts a listener on 127.0.0.1; with `port`, on that same port again (server restart). */
  listen(port?: number): Promise<TransportListener>
  /** A connector to the listener on `port`; must keep working across a restart on that port. */
  connector(port: number): Connector
  /** Scenario names to skip, each with the reason (printed). */
  skip?: Record<string, string>
  /** Per-test timeout, ms. Default 30 000. */
  timeoutMs?: number
}

// ------------------------------------------------------------------ the test api

/** Test commands of the suite (exported so transport tests can reuse them). */
export const suiteApi = {
  echo: command('echo', bp.string, bp.string),
  echoBytes: command('echoBytes', bp.bytes, bp.bytes),
  add: command('add', bp.struct({ a: bp.int, b: bp.int }), bp.int),
  addWrong: command('add', bp.string, bp.int),
  waitCancel: command('waitCancel', bp.unit, bp.unit),
  hang: command('hang', bp.unit, bp.unit),
  callBack: command('callBack', bp.string, bp.string),
  fail: command('fail', bp.string, bp.unit),
  whoami: command('whoami', bp.unit, bp.optional(bp.fixedBytes(32))),
  pushMe: command('pushMe', bp.string, bp.unit),
  note: command('note', bp.string, bp.unit),
  lastCancel: command('lastCancel', bp.unit, bp.string),
  token: command('token', bp.unit, bp.fixedBytes(32)),
  missing: command('missing', bp.unit, bp.unit),
  sink: command('sink', bp.bytes, bp.unit),
}

/** An application error with a payload, registered on both sides. */
export const SuiteNotFound = defineError('suite.NotFound', bp.struct({ what: bp.string, tries: bp.int }))

interface SuiteSession {
  notes: string[]
}

/** State the suite's server handlers report into. */
export interface SuiteProbe {
  cancelled: string
  notes: string[]
  sinkBytes: number
  sessions: Set<SessionContext<SuiteSession>>
}

function serverInterface(probe: SuiteProbe): KiloInterface<SuiteSession> {
  const api = suiteApi
  return new KiloInterface<SuiteSession>()
    .onConnected((ctx) => {
      probe.sessions.add(ctx)
    })
    .onDisconnected((ctx) => {
      probe.sessions.delete(ctx)
    })
    .on(api.echo, (s) => s)
    .on(api.echoBytes, (b) => b)
    .on(api.add, ({ a, b }) => a + b)
    .on(api.waitCancel, (_, ctx) => {
      return new Promise<void>((_resolve, reject) => {
        ctx.signal.addEventListener('abort', () => {
          probe.cancelled = 'cancelled'
          reject(ctx.signal.reason)
        })
      })
    })
    .on(api.hang, () => new Promise<void>(() => {}))
    .on(api.callBack, async (s, ctx) => 'server got ' + (await ctx.call(api.echo, s)))
    .on(api.fail, (what) => {
      throw new SuiteNotFound(`no ${what}`, { what, tries: 3 })
    })
    .on(api.whoami, (_, ctx) => (ctx.remoteId ? ctx.remoteId.bytes : null))
    .on(api.pushMe, (s, ctx) => {
      ctx.push(api.note, s)
    })
    .on(api.note, (s, ctx) => {
      ctx.session.notes.push(s)
      probe.notes.push(s)
    })
    .on(api.lastCancel, () => probe.cancelled)
    .on(api.token, (_, ctx) => ctx.token)
    .on(api.sink, (b) => {
      probe.sinkBytes += b.length
    })
}

function newProbe(): SuiteProbe {
  return { cancelled: '', notes: [], sinkBytes: 0, sessions: new Set() }
}

/** A transport wrapper that lets a test see and inject frames on the client side. */
export interface Tap {
  sent: Uint8Array[]
  transport: Transport | null
}

function tapped(connector: Connector, tap: Tap): Connector {
  return async (signal) => {
    const t = await connector(signal)
    tap.transport = t
    const send = t.send.bind(t)
    t.send = (frame: Uint8Array) => {
      tap.sent.push(frame)
      send(frame)
    }
    return t
  }
}

const until = async (cond: () => boolean, ms = 10_000, what = 'condition') => {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

/**
 * The shared transport conformance suite: declares vitest tests that run every scenario of
 * the Transport contract (src/transport/transport.ts) over the target transport. A transport
 * package's test is a few lines:
 * @example
 * runTransportConformance({ name: 'tcp', reliable: true, listen: port => tcpListener({ host: '127.0.0.1', port: port ?? 0 }), connector: port => tcpConnector({ host: '127.0.0.1', port }) })
 */
export function runTransportConformance(target: ConformanceTarget): void {
  const serverKey = SigningKey.generate()
  const cleanups: (() => Promise<unknown> | unknown)[] = []
  const timeout = target.timeoutMs ?? 30_000

  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  const scenario = (name: string, fn: () => Promise<void>) => {
    const reason = target.skip?.[name]
    if (reason) it.skip(`${name} (skipped: ${reason})`, fn)
    else it(name, fn, timeout)
  }

  async function startServer(opts: Partial<ServeOptions<SuiteSession>> = {}, port?: number) {
    const probe = newProbe()
    const listener = await target.listen(port)
    const server = serve(listener, serverInterface(probe), { key: serverKey, session: () => ({ notes: [] }), ...opts })
    cleanups.push(() => server.close())
    return { server, probe, port: listener.address.port }
  }

  function client(port: number, opts: ConnectOptions<SuiteSession> = {}, tap?: Tap): KiloClient<SuiteSession> {
    const clientIface = new KiloInterface<SuiteSession>()
      .on(suiteApi.echo, (s) => `client:${s}`)
      .on(suiteApi.hang, () => new Promise<void>(() => {}))
      .on(suiteApi.note, (s, ctx) => {
        ctx.session.notes.push(s)
      })
    const connector = tap ? tapped(target.connector(port), tap) : target.connector(port)
    const c = connect<SuiteSession>(connector, { serverId: serverKey.publicKey, iface: clientIface, session: { notes: [] }, reconnect: false, ...opts })
    cleanups.push(() => c.close())
    return c
  }

  describe(`transport conformance: ${target.name}`, () => {
    scenario('handshake without a client key', async () => {
      const { port } = await startServer()
      const c = client(port)
      await c.ready()
      expect(c.remoteId?.equals(serverKey.publicKey)).toBe(true)
      expect(await c.call(suiteApi.whoami, undefined)).toBeNull()
      const serverToken = await c.call(suiteApi.token, undefined)
      expect(bytesEqual(serverToken, c.token!)).toBe(true)
    })

    scenario('handshake with a client key', async () => {
      const { port } = await startServer({ requireClientId: true })
      const key = SigningKey.generate()
      const c = client(port, { key })
      const id = await c.call(suiteApi.whoami, undefined)
      expect(id && PublicKey.fromBytes(id).equals(key.publicKey)).toBe(true)
    })

    scenario('anonymous client refused when a client key is required', async () => {
      const { port } = await startServer({ requireClientId: true })
      const c = client(port)
      const e = await c.ready().catch((x) => x)
      expect(HandshakeError.isInstance(e) && e.check).toBe('unauthorized')
    })

    scenario('authorize hook refuses a client', async () => {
      const { port } = await startServer({ authorize: () => false })
      const e = await client(port, { key: SigningKey.generate() })
        .ready()
        .catch((x) => x)
      expect(HandshakeError.isInstance(e) && e.check).toBe('unauthorized')
    })

    scenario('pin mismatch fails with a HandshakeError', async () => {
      const { port } = await startServer()
      // datagrams wait for a valid WELCOME until the handshake timeout before believing a mismatch
      const c = client(port, { serverId: SigningKey.generate().publicKey, reconnect: true, handshakeTimeoutMs: 1500 })
      const e = await c.ready().catch((x) => x)
      expect(HandshakeError.isInstance(e)).toBe(true)
      expect(e.check).toBe('pin-mismatch')
      expect(e.message).toMatch(/does not match the pinned id/)
      expect(c.state).toBe('closed')
    })

    scenario('10 000 pipelined calls', async () => {
      const { port } = await startServer()
      const c = client(port)
      await c.ready()
      const n = 10_000
      const results = await Promise.all(Array.from({ length: n }, (_, i) => c.call(suiteApi.add, { a: i, b: 1 })))
      for (let i = 0; i < n; i++) if (results[i] !== i + 1) throw new Error(`call ${i} returned ${results[i]}`)
    })

    scenario('calls both ways at once', async () => {
      const { port, probe } = await startServer()
      const c = client(port)
      await c.ready()
      const [session] = [...probe.sessions]
      const both = await Promise.all([
        ...Array.from({ length: 200 }, (_, i) => c.call(suiteApi.echo, `c${i}`)),
        ...Array.from({ length: 200 }, (_, i) => session!.call(suiteApi.echo, `s${i}`)),
      ])
      expect(both[0]).toBe('c0')
      expect(both[399]).toBe('client:s199')
    })

    scenario('a handler calls back the peer mid-call', async () => {
      const { port } = await startServer()
      const c = client(port)
      expect(await c.call(suiteApi.callBack, 'x')).toBe('server got client:x')
    })

    scenario('pushes both ways', async () => {
      const { port, probe } = await startServer()
      const session: SuiteSession = { notes: [] }
      const c = client(port, { session })
      await c.ready()
      c.push(suiteApi.note, 'to server')
      await until(() => probe.notes.includes('to server'), 5000, 'push to server')
      await c.call(suiteApi.pushMe, 'to client')
      await until(() => session.notes.includes('to client'), 5000, 'push to client')
    })

    scenario('application errors arrive as their class with payload', async () => {
      const { port } = await startServer()
      const c = client(port)
      const e = await c.call(suiteApi.fail, 'foo').catch((x) => x)
      expect(SuiteNotFound.isInstance(e)).toBe(true)
      expect(e).toBeInstanceOf(SuiteNotFound)
      expect(e.message).toBe('no foo')
      expect(e.data).toEqual({ what: 'foo', tries: 3 })
    })

    scenario('unknown command', async () => {
      const { port } = await startServer()
      const c = client(port)
      const e = await c.call(suiteApi.missing, undefined).catch((x) => x)
      expect(RemoteError.isInstance(e) && e.code).toBe('kp.UnknownCommand')
      expect(await c.call(suiteApi.echo, 'still fine')).toBe('still fine')
    })

    scenario('bad arguments', async () => {
      const { port } = await startServer()
      const c = client(port)
      const e = await c.call(suiteApi.addWrong, 'not a struct of two ints').catch((x) => x)
      expect(RemoteError.isInstance(e) && e.code).toBe('kp.BadArguments')
      expect(await c.call(suiteApi.add, { a: 2, b: 3 })).toBe(5)
    })

    scenario('cancellation reaches the handler and the connection stays usable', async () => {
      const { port, probe } = await startServer()
      const c = client(port)
      await c.ready()
      const ac = new AbortController()
      const p = c.call(suiteApi.waitCancel, undefined, { signal: ac.signal })
      setTimeout(() => ac.abort(), 50)
      const e = await p.catch((x) => x)
      expect(AbortedError.isInstance(e)).toBe(true)
      await until(() => probe.cancelled === 'cancelled', 5000, 'handler signal')
      const t = await c.call(suiteApi.waitCancel, undefined, { timeoutMs: 50 }).catch((x) => x)
      expect(t.code).toBe('kp.Timeout')
      expect(await c.call(suiteApi.echo, 'after')).toBe('after')
    })

    scenario('a message at the limit works and one byte over fails on the sending side', async () => {
      const limit = target.reliable ? 100_000 : 1200
      const { port, probe } = await startServer({ maxMessage: limit })
      const c = client(port)
      await c.ready()
      const sizeOf = (n: number) => {
        const w = new bp.BipackWriter()
        writePush(w, suiteApi.sink.name, suiteApi.sink.args.encode(new Uint8Array(n)))
        return w.length
      }
      let n = limit - 20
      while (sizeOf(n + 1) <= limit) n++
      while (sizeOf(n) > limit) n--
      expect(sizeOf(n)).toBe(limit)
      c.push(suiteApi.sink, new Uint8Array(n))
      await until(() => probe.sinkBytes === n, 5000, 'push at the limit')
      expect(() => c.push(suiteApi.sink, new Uint8Array(n + 1))).toThrow(MessageTooLargeError)
      const e = await c.call(suiteApi.echoBytes, new Uint8Array(limit)).catch((x) => x)
      expect(MessageTooLargeError.isInstance(e)).toBe(true)
      expect(e.limit).toBe(limit)
      expect(await c.call(suiteApi.echo, 'usable')).toBe('usable')
    })

    scenario('large messages cross whole', async () => {
      const { port } = await startServer()
      const c = client(port)
      const size = target.reliable ? 4 * 1024 * 1024 : 60_000
      const data = new Uint8Array(size)
      for (let i = 0; i < size; i++) data[i] = (i * 31) & 255
      const back = await c.call(suiteApi.echoBytes, data)
      expect(bytesEqual(back, data)).toBe(true)
    })

    scenario('garbage, truncated, replayed and reordered records', async () => {
      const { port, server } = await startServer()
      const tap: Tap = { sent: [], transport: null }
      const c = client(port, {}, tap)
      const other = client(port)
      expect(await c.call(suiteApi.echo, 'one')).toBe('one')
      expect(await other.call(suiteApi.echo, 'other')).toBe('other')
      const t = tap.transport!
      const record = tap.sent.filter((f) => f[0] === 4).at(-1)!
      if (target.reliable) {
        // a replayed record is a protocol error on reliable transports: that connection ends
        const closed = new Promise((r) => c.on('disconnected', r))
        t.send(record)
        await closed
        expect(await other.call(suiteApi.echo, 'still here')).toBe('still here')
      } else {
        const stats = () => [...server.sessions()].map((s) => s.stats)
        const before = stats().reduce((a, s) => a + s.replayed + s.forged, 0)
        t.send(record) // replay
        t.send(record.subarray(0, record.length - 5)) // truncated
        t.send(Uint8Array.of(4, 0xff, 1, 2, 3)) // garbage record
        t.send(Uint8Array.of(9, 9, 9)) // unknown type
        t.send(crypto.getRandomValues(new Uint8Array(100)))
        // reordered: two fresh records sent in reverse order are both accepted
        const held: Uint8Array[] = []
        const send = t.send
        t.send = (f) => void held.push(f)
        const p1 = c.call(suiteApi.echo, 'first')
        await new Promise((r) => setTimeout(r, 20))
        const p2 = c.call(suiteApi.echo, 'second')
        await new Promise((r) => setTimeout(r, 20))
        t.send = send
        for (const f of held.reverse()) send(f)
        expect(await Promise.all([p1, p2])).toEqual(['first', 'second'])
        await until(() => stats().reduce((a, s) => a + s.replayed + s.forged, 0) >= before + 3, 5000, 'drops counted')
        expect(await c.call(suiteApi.echo, 'alive')).toBe('alive')
      }
      // a fresh connection sending garbage as its first frame ends only itself
      const raw = await target.connector(port)()
      const rawClosed = new Promise<void>((r) => raw.setHandlers({ frame() {}, close: () => r() }))
      raw.send(crypto.getRandomValues(new Uint8Array(256)))
      if (target.reliable) await rawClosed
      else raw.close()
      expect(await other.call(suiteApi.echo, 'unaffected')).toBe('unaffected')
    })

    scenario('close from the server fails pending calls', async () => {
      const { port, probe } = await startServer()
      const c = client(port)
      await c.ready()
      const p = c.call(suiteApi.hang, undefined)
      await until(() => probe.sessions.size === 1, 5000, 'session')
      ;[...probe.sessions][0]!.close('test says bye')
      const e = await p.catch((x) => x)
      expect(ConnectionClosedError.isInstance(e)).toBe(true)
      expect(e.reason).toMatch(/test says bye/)
    })

    scenario('close from the client fails pending calls on both sides', async () => {
      const { port, probe } = await startServer()
      const c = client(port)
      await c.ready()
      await until(() => probe.sessions.size === 1, 5000, 'session')
      const session = [...probe.sessions][0]!
      const serverCall = session.call(suiteApi.hang, undefined)
      const clientCall = c.call(suiteApi.waitCancel, undefined)
      await new Promise((r) => setTimeout(r, 20))
      await c.close()
      expect(ConnectionClosedError.isInstance(await clientCall.catch((x) => x))).toBe(true)
      expect(ConnectionClosedError.isInstance(await serverCall.catch((x) => x))).toBe(true)
      await until(() => probe.cancelled === 'cancelled', 5000, 'handler aborted on close')
    })

    scenario('reconnect after the server restarts', async () => {
      const first = await startServer()
      const c = client(first.port, { reconnect: { minDelayMs: 20, maxDelayMs: 200 } })
      expect(await c.call(suiteApi.echo, 'before')).toBe('before')
      const states: string[] = []
      c.on('state', (s) => states.push(s))
      await first.server.close()
      await until(() => c.state !== 'connected', 5000, 'disconnect')
      await startServer({}, first.port)
      await until(() => c.state === 'connected', 10_000, 'reconnect')
      expect(await c.call(suiteApi.echo, 'after')).toBe('after')
      expect(states).toContain('disconnected')
    })

    scenario('200 sessions at once on one server', async () => {
      const { port, server } = await startServer()
      const clients = Array.from({ length: 200 }, () => client(port))
      const results = await Promise.all(clients.map((c, i) => c.call(suiteApi.add, { a: i, b: i })))
      expect(results.every((r, i) => r === 2 * i)).toBe(true)
      expect(server.sessionCount).toBe(200)
      await Promise.all(clients.map((c) => c.close()))
      await until(() => server.sessionCount === 0, 10_000, 'sessions to end')
    })

    scenario('a closed session is freed', async () => {
      const gc = (globalThis as { gc?: () => void }).gc
      if (!gc) throw new Error('run the conformance suite with node --expose-gc (vitest: execArgv ["--expose-gc"])')
      const { port, probe } = await startServer()
      let refs: WeakRef<object>[] = []
      {
        const c = client(port)
        await c.ready()
        await until(() => probe.sessions.size === 1, 5000, 'session')
        refs = [new WeakRef([...probe.sessions][0]!), new WeakRef((c as unknown as { connection: object }).connection)]
        await c.close()
        await until(() => probe.sessions.size === 0, 5000, 'session end')
      }
      for (let i = 0; i < 20 && refs.some((r) => r.deref()); i++) {
        await new Promise((r) => setTimeout(r, 20))
        gc()
      }
      expect(refs.map((r) => r.deref() === undefined)).toEqual([true, true])
    })

    runStreamConformance({ target, serverKey, scenario, cleanup: (fn) => cleanups.push(fn) })
  })
}
