import { once } from 'node:events'
import { createServer } from 'node:http'
import { type AddressInfo, connect as tcpConnect, type Socket } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import { REFUSE_MARGIN } from '../src/connection-limits.js'
import { wsListener } from '../src/index.js'
import { client, echoServer, pattern, sameBytes } from './helpers.js'

const cleanup: (() => unknown)[] = []
afterEach(async () => {
  vi.useRealTimers()
  for (const c of cleanup.splice(0).reverse()) await c()
})

async function rawSocket(port: number): Promise<Socket> {
  const s = tcpConnect(port, '127.0.0.1')
  s.on('error', () => {})
  await once(s, 'connect')
  cleanup.push(() => s.destroy())
  return s
}
const closedSocket = (s: Socket) => new Promise<void>((r) => (s.closed ? r() : s.once('close', () => r())))

async function until(cond: () => boolean, what: string, ms = 5_000) {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setImmediate(r))
  }
}

describe('connection limits for peers that never upgrade', () => {
  it('destroys 50 raw sockets that never send a byte once upgradeTimeoutMs passes', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    await using s = await echoServer({ upgradeTimeoutMs: 10_000 })
    const port = s.listener.address.port
    const idle = await Promise.all(Array.from({ length: 50 }, () => rawSocket(port)))
    await until(() => s.listener.connectionCount === 50, '50 connections on the server')
    vi.advanceTimersByTime(9_999)
    await new Promise((r) => setImmediate(r))
    expect(idle.filter((x) => x.closed)).toHaveLength(0)
    vi.advanceTimersByTime(1)
    await Promise.all(idle.map(closedSocket))
    expect(s.listener.upgradeTimeouts).toBe(50)
    await until(() => s.listener.connectionCount === 0, 'connections to be gone')
    // a real client is not affected: its timer stops at the upgrade
    vi.useRealTimers()
    const c = await client(s.listener.url)
    expect(sameBytes(await c.echo(pattern(100)), pattern(100))).toBe(true)
    c.transport.close()
  })

  it('a slow request head (slowloris) is cut by the same timeout', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    await using s = await echoServer({ upgradeTimeoutMs: 5_000 })
    const slow = await rawSocket(s.listener.address.port)
    slow.write('GET /kp HTTP/1.1\r\nHost: x\r\n')
    await until(() => s.listener.connectionCount === 1, 'the connection')
    vi.advanceTimersByTime(5_000)
    await closedSocket(slow)
    expect(s.listener.upgradeTimeouts).toBe(1)
  })

  it('own server: an upgrade beyond maxConnections is marked for REJECT full, and beyond the margin a connection is destroyed at once', async () => {
    await using s = await echoServer({ maxConnections: 5 })
    const port = s.listener.address.port
    const open = await Promise.all(Array.from({ length: 5 }, () => rawSocket(port)))
    await until(() => s.listener.connectionCount === 5, '5 connections')
    // the 6th is upgraded so that core can tell the client "server full" (REJECT 4)
    const next = s.nextAccepted()
    const c = await client(s.listener.url)
    const refused = await next
    expect((refused.transport as { refusal?: string }).refusal).toBe('full')
    expect(s.listener.refusedCount).toBe(1)
    c.transport.close()
    await until(() => s.listener.connectionCount === 5, 'the refused one to go')
    // beyond maxConnections + REFUSE_MARGIN, a raw connection is destroyed at once
    const flood = await Promise.all(Array.from({ length: REFUSE_MARGIN }, () => rawSocket(port)))
    await until(() => s.listener.connectionCount === 5 + REFUSE_MARGIN, 'the margin full')
    const extra = await rawSocket(port)
    await closedSocket(extra)
    expect(s.listener.droppedCount).toBe(1)
    expect(open.some((x) => x.closed)).toBe(false)
    for (const f of [...flood, ...open.slice(1)]) f.destroy()
    // below the limit again: a WebSocket client is a normal one
    open[0]!.destroy()
    await until(() => s.listener.connectionCount === 0, 'free slots')
    const again = s.nextAccepted()
    const d = await client(s.listener.url)
    expect((await again).transport.refusal).toBeUndefined()
    expect(sameBytes(await d.echo(pattern(10)), pattern(10))).toBe(true)
    d.transport.close()
  })

  it('refuses an upgrade whose request head is above maxHeaderSize', async () => {
    await using s = await echoServer({ maxHeaderSize: 4096 })
    const ws = new WebSocket(s.listener.url, ['kp1'], { headers: { 'x-big': 'a'.repeat(5000) } })
    ws.on('error', () => {})
    const [, res] = await once(ws, 'unexpected-response')
    ws.terminate()
    expect(res.statusCode).toBe(431)
  })

  it('attached to an app server: maxConnections counts WebSocket sessions (REJECT full beyond, 503 beyond the margin), maxHeaderSize applies to upgrades', async () => {
    const app = createServer((_req, res) => res.writeHead(200).end('page'))
    app.listen(0, '127.0.0.1')
    await once(app, 'listening')
    cleanup.push(() => {
      app.closeAllConnections()
      return new Promise((r) => app.close(r))
    })
    await using s = await echoServer({ server: app, maxConnections: 2, maxHeaderSize: 4096 })
    const url = `ws://127.0.0.1:${(app.address() as AddressInfo).port}/kp`
    const a = await client(url)
    const b = await client(url)
    // the third is upgraded and marked for REJECT full; with the margin used up, the next gets 503
    const next = s.nextAccepted()
    const third = await client(url)
    expect((await next).transport.refusal).toBe('full')
    expect(s.listener.refusedCount).toBe(1)
    third.transport.close()
    await until(() => s.listener.connectionCount === 2, 'the refused one to go')
    const margin = await Promise.all(Array.from({ length: REFUSE_MARGIN }, () => client(url)))
    const over = new WebSocket(url, ['kp1'])
    over.on('error', () => {})
    const [, res] = await once(over, 'unexpected-response')
    over.terminate()
    expect(res.statusCode).toBe(503)
    expect(s.listener.droppedCount).toBe(1)
    for (const m of margin) m.transport.close()
    await until(() => s.listener.connectionCount === 2, 'the margin to empty')
    // the app's own pages are not counted
    expect((await fetch(`http://127.0.0.1:${(app.address() as AddressInfo).port}/`)).status).toBe(200)
    a.transport.close()
    await a.closed
    await until(() => s.listener.connectionCount === 1, 'a free session slot')
    const again = await client(url)
    expect(sameBytes(await again.echo(pattern(10)), pattern(10))).toBe(true)
    for (const c of [b, again]) c.transport.close()
    await expect(wsListener({ server: app, upgradeTimeoutMs: 5 })).rejects.toThrow(/only applies with "port"/)
  })
})
