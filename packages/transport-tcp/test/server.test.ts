import { execFileSync } from 'node:child_process'
import { bp, command, HandshakeError, KiloInterface, type KiloClient, SigningKey } from '@kp/core'
import { afterEach, describe, expect, it } from 'vitest'
import { connectTcp, createTcpServer, type TcpServer } from '../src/index.js'
import { rawSocket, socketClosed } from './helpers.js'

const cmdAdd = command('add', bp.struct({ a: bp.int, b: bp.int }), bp.int)
const cmdEcho = command('echo', bp.string, bp.string)
const api = new KiloInterface().on(cmdAdd, ({ a, b }) => a + b).on(cmdEcho, (s) => s)
const key = SigningKey.generate()

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function server(options: Partial<Parameters<typeof createTcpServer>[1]> = {}): Promise<TcpServer<unknown>> {
  const s = await createTcpServer(api, { key, host: '127.0.0.1', port: 0, ...options })
  cleanups.push(() => s.close())
  return s
}

function client(port: number, options: Partial<Parameters<typeof connectTcp>[0]> = {}): KiloClient {
  const c = connectTcp({ host: '127.0.0.1', port, serverId: key.publicKey, reconnect: false, ...options })
  cleanups.push(() => c.close())
  return c
}

/** Resolves once `cond()` holds; checks on every event-loop turn, bounded by `ms`. */
async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

describe('createTcpServer + connectTcp', () => {
  it('serves calls to a client that pins the server key', async () => {
    const s = await server()
    expect(s.address.port).toBeGreaterThan(0)
    const c = client(s.address.port)
    expect(await c.call(cmdAdd, { a: 2, b: 3 })).toBe(5)
    expect(s.sessionCount).toBe(1)
    expect(c.remoteId?.equals(key.publicKey)).toBe(true)
  })

  it('fails the handshake against a different key', async () => {
    const s = await server()
    const e = await client(s.address.port, { serverId: SigningKey.generate().publicKey })
      .ready()
      .catch((x) => x)
    expect(HandshakeError.isInstance(e) && e.check).toBe('pin-mismatch')
  })

  it('tells a client beyond maxConnections that the server is full (REJECT 4), logs it once per interval, and the client gets in with backoff once there is room', async () => {
    const warnings: string[] = []
    const s = await server({ maxConnections: 2, logger: { warn: (m) => warnings.push(m) } })
    const a = client(s.address.port)
    const b = client(s.address.port)
    await Promise.all([a.ready(), b.ready()])
    const refusedErrors: unknown[] = []
    for (let i = 0; i < 3; i++)
      refusedErrors.push(
        await client(s.address.port)
          .ready()
          .catch((e) => e),
      )
    for (const e of refusedErrors) {
      expect(HandshakeError.isInstance(e) && e.check).toBe('full')
      expect(String((e as Error).message)).toMatch(/server is full .*REJECT 4.*connection limit reached.*backoff/)
    }
    expect(s.refusedFullCount).toBe(3)
    expect(warnings.filter((w) => w.includes('server full'))).toHaveLength(1)
    expect(warnings[0]).toMatch(/server full \(maxConnections of the listener on 127\.0\.0\.1:\d+\): refused 1 connection with REJECT full/)
    // a reconnecting client keeps trying (with backoff of at least 1 s) and gets in once a session ends
    const c = client(s.address.port, { reconnect: { minDelayMs: 10, maxDelayMs: 2_000 } })
    const errors: Error[] = []
    c.on('error', (e) => errors.push(e))
    await until(() => errors.length >= 1, 5_000, 'the first refusal')
    expect(HandshakeError.isInstance(errors[0]) && (errors[0] as HandshakeError).check).toBe('full')
    await a.close()
    await c.ready({ timeoutMs: 10_000 })
    expect(await c.call(cmdAdd, { a: 1, b: 1 })).toBe(2)
  })

  it('closes the listener if serve() refuses its options', async () => {
    await expect(createTcpServer(api, { port: 0 } as never)).rejects.toThrow(/options.key/)
  })

  it('1 000 concurrent connections each make calls', async () => {
    // server and clients share this process: 2 000 sockets plus a few must fit under the fd limit
    const limit = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim())
    if (limit < 2_100) {
      throw new Error(`this test needs 2 100 file descriptors (1 000 connections, both ends in one process); ulimit -n is ${limit}: raise it`)
    }
    // 1 000 handshakes at once from 127.0.0.1, both ends in this process: on a loaded 2-core
    // machine they take seconds of CPU, so the handshake time limit is generous here; the one
    // address gets the whole server (the per-address fair shares of issue 14 are tested in core)
    const s = await server({ backlog: 2048, maxHalfOpenPerAddress: 2048, handshakesPerSecondPerAddress: 100_000, handshakeTimeoutMs: 60_000 })
    const clients = Array.from({ length: 1000 }, () => client(s.address.port, { handshakeTimeoutMs: 60_000, callTimeoutMs: 60_000 }))
    const results = await Promise.all(
      clients.map(async (c, i) => {
        let sum = 0
        for (let k = 0; k < 3; k++) sum += await c.call(cmdAdd, { a: i, b: k })
        return sum
      }),
    )
    expect(results.every((r, i) => r === 3 * i + 3)).toBe(true)
    expect(s.sessionCount).toBe(1000)
    await Promise.all(clients.map((c) => c.close()))
    await until(() => s.sessionCount === 0, 10_000, 'sessions to end')
  }, 60_000)
})

describe('hostile peers end only their own connection', () => {
  async function withGoodClient(attack: (port: number) => Promise<void>) {
    const s = await server({ handshakeTimeoutMs: 500 })
    const good = client(s.address.port)
    expect(await good.call(cmdEcho, 'before')).toBe('before')
    await attack(s.address.port)
    expect(await good.call(cmdEcho, 'after')).toBe('after')
    expect(good.state).toBe('connected')
    expect(s.sessionCount).toBe(1)
  }

  it('random garbage', () =>
    withGoodClient(async (port) => {
      const raw = await rawSocket(port)
      raw.on('error', () => {})
      raw.write(crypto.getRandomValues(new Uint8Array(4096)))
      await socketClosed(raw)
    }))

  it('a huge length prefix', () =>
    withGoodClient(async (port) => {
      const raw = await rawSocket(port)
      raw.on('error', () => {})
      raw.write(Buffer.from('03000080808080808010', 'hex')) // 2^62 bytes announced
      await socketClosed(raw)
    }))

  it('a half-open connection that never finishes the handshake', () =>
    withGoodClient(async (port) => {
      const raw = await rawSocket(port)
      raw.on('error', () => {})
      const t0 = Date.now()
      await socketClosed(raw) // closed by the handshake timeout (500 ms here)
      expect(Date.now() - t0).toBeGreaterThanOrEqual(400)
    }))
})

describe('server restart', () => {
  it('clients reconnect by themselves to a new server on the same port', async () => {
    const first = await server()
    const port = first.address.port
    const clients = Array.from({ length: 5 }, () => client(port, { reconnect: { minDelayMs: 20, maxDelayMs: 200 } }))
    for (const c of clients) expect(await c.call(cmdEcho, 'one')).toBe('one')
    await first.close()
    await until(() => clients.every((c) => c.state !== 'connected'), 5000, 'clients to notice')
    const second = await server({ port })
    expect(second.address.port).toBe(port)
    // calls made while reconnecting wait for the new connection
    expect(await Promise.all(clients.map((c) => c.call(cmdEcho, 'two')))).toEqual(Array(5).fill('two'))
    expect(second.sessionCount).toBe(5)
  })
})
