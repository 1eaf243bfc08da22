import { once } from 'node:events'
import { createServer as createTcpServer, type Socket } from 'node:net'
import { AbortedError, TimeoutError, type Transport, TransportError } from '@kp/core'
import { describe, expect, it } from 'vitest'
import { WebSocketServer } from 'ws'
import { wsConnector } from '../src/index.node.js'
import { testListener } from './test-listener.js'

/** A TCP server that accepts connections and never answers (a stuck upgrade). */
async function blackHole() {
  const sockets: Socket[] = []
  const server = createTcpServer((s) => sockets.push(s))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as { port: number }).port
  return {
    port,
    sockets,
    async [Symbol.asyncDispose]() {
      for (const s of sockets) s.destroy()
      await new Promise((r) => server.close(r))
    },
  }
}

function frames(t: Transport) {
  const got: Uint8Array[] = []
  const waiters: (() => void)[] = []
  let done!: (e: Error | undefined) => void
  const closed = new Promise<Error | undefined>((r) => (done = r))
  t.setHandlers({
    frame: (f) => {
      got.push(f)
      waiters.shift()?.()
    },
    close: (e) => done(e),
  })
  return {
    got,
    closed,
    next: async () => {
      if (!got.length) await new Promise<void>((r) => waiters.push(r))
      return got.shift()!
    },
  }
}

describe('wsConnector (Node, ws)', () => {
  it('validates the URL: only ws:// and wss://', () => {
    for (const url of ['http://localhost/kp', 'https://x/kp', 'localhost:8080', '', 'tcp://1.2.3.4:5', 'ws://x/kp#frag']) {
      expect(() => wsConnector(url), url).toThrow(TypeError)
    }
    expect(() => wsConnector('http://localhost/kp')).toThrow(/expected a ws:\/\/ or wss:\/\/ URL such as/)
    expect(() => wsConnector(42 as never)).toThrow(/"url" expected a ws:\/\/ or wss:\/\/ URL \(string or URL\), got number/)
    expect(() => wsConnector(null as never)).toThrow(/got null/)
    expect(() => wsConnector('ws://localhost:8080/kp')).not.toThrow()
    expect(() => wsConnector(new URL('wss://example.com/kp'))).not.toThrow()
  })

  it('validates its options', () => {
    const url = 'ws://127.0.0.1:1/kp'
    expect(() => wsConnector(url, { maxFrame: 0 })).toThrow(RangeError)
    expect(() => wsConnector(url, { maxFrame: '1' as never })).toThrow(/"maxFrame" expected a number, got string/)
    expect(() => wsConnector(url, { maxFrame: 10, maxBuffered: 9 })).toThrow(/"maxBuffered" expected at least maxFrame/)
    expect(() => wsConnector(url, { connectTimeoutMs: -1 })).toThrow(RangeError)
    expect(() => wsConnector(url, { WebSocket: 1 as never })).toThrow(TypeError)
    expect(() => wsConnector(url, null as never)).toThrow(/"options" expected an object, got null/)
  })

  it('connects with subprotocol kp1 and moves frames both ways', async () => {
    const l = await testListener()
    try {
      const accepted = new Promise<Transport>((r) => l.onConnection(r))
      const t = await wsConnector(l.url)()
      const server = await accepted
      const s = frames(server)
      const c = frames(t)
      t.send(new Uint8Array([1, 2, 3]))
      expect([...(await s.next())]).toEqual([1, 2, 3])
      server.send(new Uint8Array([4, 5]))
      expect([...(await c.next())]).toEqual([4, 5])
      expect(t.remoteAddress).toBe(`127.0.0.1:${l.address.port}`)
      expect(t.reliable).toBe(true)
      t.close()
      expect(await c.closed).toBeUndefined()
      expect(await s.closed).toBeUndefined()
    } finally {
      await l.close()
    }
  })

  it('rejects with kp.ConnectionRefused when nothing listens', async () => {
    const l = await testListener()
    const url = l.url
    await l.close()
    const e = await wsConnector(url)().catch((e) => e)
    expect(TransportError.isInstance(e)).toBe(true)
    expect(e.code).toBe('kp.ConnectionRefused')
    expect(e.message).toContain(url)
  })

  it('rejects when the server does not select kp1', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: () => false })
    await once(wss, 'listening')
    try {
      const e = await wsConnector(`ws://127.0.0.1:${(wss.address() as { port: number }).port}/kp`)().catch((e) => e)
      expect(TransportError.isInstance(e)).toBe(true)
      expect(e.message).toMatch(/subprotocol/)
    } finally {
      for (const c of wss.clients) c.terminate()
      await new Promise((r) => wss.close(r))
    }
  })

  it('times out a stuck upgrade after connectTimeoutMs with a TimeoutError', async () => {
    await using hole = await blackHole()
    const started = performance.now()
    const e = await wsConnector(`ws://127.0.0.1:${hole.port}/kp`, { connectTimeoutMs: 200 })().catch((e) => e)
    expect(TimeoutError.isInstance(e)).toBe(true)
    expect(e.message).toMatch(/timed out after 200 ms/)
    expect(performance.now() - started).toBeLessThan(2_000)
  })

  it('aborts a connect with the AbortSignal (before and during)', async () => {
    await using hole = await blackHole()
    const connect = wsConnector(`ws://127.0.0.1:${hole.port}/kp`)
    const pre = await connect(AbortSignal.abort(new Error('no'))).catch((e) => e)
    expect(AbortedError.isInstance(pre)).toBe(true)
    const ac = new AbortController()
    const pending = connect(ac.signal).catch((e) => e)
    while (hole.sockets.length === 0) await new Promise((r) => setImmediate(r))
    ac.abort(new Error('user'))
    const e = await pending
    expect(AbortedError.isInstance(e)).toBe(true)
    expect(e.cause?.message).toBe('user')
  })

  it('keeps frames and the close that arrive before setHandlers', async () => {
    const l = await testListener()
    try {
      const accepted = new Promise<Transport>((r) => l.onConnection(r))
      const t = await wsConnector(l.url)()
      const server = await accepted
      const s = frames(server)
      server.send(new Uint8Array([7]))
      server.send(new Uint8Array([8]))
      server.close()
      await s.closed
      // the client received both frames and the close before it set its handlers
      await new Promise<void>((r) => {
        const check = () => ((t as unknown as { pendingClose: unknown }).pendingClose ? r() : setImmediate(check))
        check()
      })
      const c = frames(t)
      expect(await c.closed).toBeUndefined()
      expect(c.got.map((f) => f[0])).toEqual([7, 8])
    } finally {
      await l.close()
    }
  })

  it('closes with kp.SlowPeer when the server does not read, without pausing its own reads', async () => {
    const l = await testListener()
    try {
      const accepted = new Promise<Transport>((r) => l.onConnection(r))
      const t = await wsConnector(l.url, { maxFrame: 64 * 1024, maxBuffered: 1024 * 1024 })()
      const server = await accepted
      const s = frames(server)
      ;(server as any).socket._socket.pause() // the server stops reading at the TCP level
      const c = frames(t)
      let closed = false
      void c.closed.then(() => (closed = true))
      const frame = new Uint8Array(64 * 1024)
      for (let sent = 0; !closed && sent < 2_000; sent++) {
        t.send(frame)
        if (sent % 16 === 15) await new Promise((r) => setImmediate(r))
      }
      const e = await c.closed
      expect(TransportError.isInstance(e)).toBe(true)
      expect((e as TransportError).code).toBe('kp.SlowPeer')
      ;(server as any).socket._socket.resume()
      await s.closed
    } finally {
      await l.close()
    }
  })

  it('sets its receive limit on the ws parser: 512 bytes before authenticated(), maxFrame after (fails if ws drops the field)', async () => {
    const l = await testListener({ maxFrame: 100_000 })
    try {
      const accepted = new Promise<Transport>((r) => l.onConnection(r))
      const t = await wsConnector(l.url, { maxFrame: 100_000 })()
      const server = await accepted
      frames(server)
      const receiver = (t as unknown as { socket: { _receiver: { _maxPayload: number } } }).socket._receiver
      // `ws` checks this private field on each frame header; if a ws release drops it this fails
      expect(receiver._maxPayload).toBe(512)
      const c = frames(t)
      server.send(new Uint8Array(513))
      const e = await c.closed
      expect(TransportError.isInstance(e) && e.code).toBe('kp.FrameTooLarge')
      const t2 = await wsConnector(l.url, { maxFrame: 100_000 })()
      t2.authenticated?.()
      expect((t2 as unknown as { socket: { _receiver: { _maxPayload: number } } }).socket._receiver._maxPayload).toBe(100_000)
      t2.close()
    } finally {
      await l.close()
    }
  })
})
