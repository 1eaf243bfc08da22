import { bp, command, connect, KiloInterface, setProcessMemoryBudget } from '@kp/core'
import { ArqDefaults } from '@kp/core/arq'
import { afterEach, describe, expect, it } from 'vitest'
import { createUdpServer, udpConnector } from '../src/index.js'
import { serverKey } from './support/kilo.js'

// Issue 14, point 2, end to end on real sockets: a reliable-mode client that stops reading
// (its engine paused: it advertises a window of 0 and answers probes with 0) and calls a
// command whose result is far larger than its arguments. The server's engine must stop at
// maxBuffered and end the session with kp.SlowPeer, and every byte must go back to the
// process budget. The same calls from a client that reads complete normally.

const api = { grow: command('grow', bp.int, bp.bytes) }
const RESULT = 300_000
const CALLS = 15 // 4.5 MB of results in all: more than maxBuffered, one at a time

interface Engine {
  bufferedBytes: number
  send(m: Uint8Array): void
  pause(): void
}
const engineOf = (conn: unknown) => (conn as { link: { records: { arq: Engine } } }).link.records.arq

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function run(clientReads: boolean) {
  const budget = setProcessMemoryBudget(256 * 1024 * 1024)
  const closes: string[] = []
  const server = await createUdpServer(
    new KiloInterface().on(api.grow, (n) => new Uint8Array(n)),
    {
      key: serverKey,
      host: '127.0.0.1',
      port: 0,
      idleTimeoutMs: 60_000, // the zero-window deadline stays out of the way: this is about bytes
      logger: { info: (m) => void (m.includes(' closed: ') && closes.push(m)) },
    },
  )
  cleanups.push(() => server.close())
  const c = connect(udpConnector({ host: '127.0.0.1', port: server.listener.address.port }), {
    serverId: serverKey.publicKey,
    reliable: true,
    reconnect: false,
  })
  cleanups.push(() => c.close())
  await c.ready()
  const session = [...server.sessions()][0]!
  const serverArq = engineOf(session)
  let peak = 0
  const send = serverArq.send.bind(serverArq)
  serverArq.send = (m) => {
    send(m)
    peak = Math.max(peak, serverArq.bufferedBytes)
  }
  if (!clientReads) engineOf((c as unknown as { connection: unknown }).connection).pause()
  const results: Promise<unknown>[] = []
  for (let i = 0; i < CALLS && closes.length === 0; i++) {
    const result = c.call(api.grow, RESULT).catch((e) => e)
    results.push(result)
    // one call at a time: a reader waits for each result; a client that does not read never
    // gets one, so it calls again a little later
    if (clientReads) await result
    else await new Promise((r) => setTimeout(r, 20))
  }
  return { budget, closes, results, peak, c, server }
}

describe('UDP reliable mode: a client that does not read cannot make the server queue without bound', () => {
  it('the server ends the session with kp.SlowPeer at maxBuffered and gives every byte back', async () => {
    const { budget, closes, results, peak, c } = await run(false)
    expect(closes).toHaveLength(1)
    expect(closes[0]).toMatch(/peer is not reading \(kp\.SlowPeer\).*exceed maxBuffered \(4194304\)/)
    expect(peak).toBeLessThanOrEqual(ArqDefaults.maxBuffered)
    // the session ended once about 4 MiB of results waited: 10 of them fit, the 11th does not
    // (plus what the client took before its window closed: one result held, one window's worth)
    const perResult = RESULT + Math.ceil(RESULT / 1347) * 384
    const fit = Math.floor(ArqDefaults.maxBuffered / perResult)
    expect(results.length).toBeGreaterThanOrEqual(fit + 1)
    expect(results.length).toBeLessThanOrEqual(fit + 3)
    expect(peak).toBeGreaterThan(ArqDefaults.maxBuffered - perResult)
    // the whole process (server and client engines together) stayed within maxBuffered plus
    // the client's receive-side bound
    expect(budget.stats.peak).toBeLessThan(ArqDefaults.maxBuffered + 1024 * 1024)
    await c.close()
    expect(budget.used).toBe(0)
  }, 30_000)

  it('the same calls from a client that reads all complete, far below the bound', async () => {
    const { closes, results, peak, c, server, budget } = await run(true)
    const got = await Promise.all(results)
    expect(got.every((r) => r instanceof Uint8Array && r.length === RESULT)).toBe(true)
    expect(closes).toEqual([])
    expect(results).toHaveLength(CALLS)
    expect(peak).toBeLessThan(ArqDefaults.maxBuffered / 4)
    await c.close()
    await server.close() // whether or not the client's CLOSE arrived
    expect(budget.used).toBe(0)
  }, 30_000)
})
