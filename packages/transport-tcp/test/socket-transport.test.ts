import { spawn } from 'node:child_process'
import { once } from 'node:events'
import type { Socket } from 'node:net'
import { ProtocolError, TransportError } from '@kp/core'
import { afterEach, describe, expect, it } from 'vitest'
import { encodeFrame } from '../src/frame-encoder.js'
import { tcpConnector } from '../src/tcp-connector.js'
import { REFUSE_MARGIN, tcpListener } from '../src/tcp-listener.js'
import { filled, pair, probe, rawSocket, socketClosed, type TestListener, testListener, writeFlushed } from './helpers.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
let open: TestListener[] = []
async function listen(options: Parameters<typeof testListener>[0] = {}) {
  const l = await testListener(options)
  open.push(l)
  return l
}
afterEach(async () => {
  await Promise.all(open.map((l) => l.close()))
  open = []
})

describe('frames over real sockets', () => {
  it('both ends say the kernel keeps them alive (TCP keepalive), so the server announces long PING intervals', async () => {
    const l = await listen()
    const { client, server } = await pair(l, {}, true)
    expect(client.transport.keepAlive).toBe(true)
    expect(server.transport.keepAlive).toBe(true)
  })

  it('echoes frames of every header size, up to maxFrame, in order', async () => {
    const l = await listen()
    const { client } = await pair(l, {}, true)
    const sizes = [1, 63, 64, 16_383, 16_384, 70_000, 4_194_304, 16 * 1024 * 1024]
    const sent = sizes.map((n, i) => filled(n, i))
    for (const f of sent) client.transport.send(f)
    const got = await client.frameCount(sent.length)
    expect(got.map((f) => f.length)).toEqual(sizes)
    for (let i = 0; i < sent.length; i++) expect(Buffer.compare(got[i]!, sent[i]!), `frame ${i}`).toBe(0)
  })

  it('reassembles a multi-frame stream split at every byte boundary', async () => {
    const l = await listen()
    const socket = await rawSocket(l.port)
    const server = probe(await l.accepted())
    const frames = [1, 63, 64, 300, 16_384].map((n, i) => filled(n, i + 10))
    const wire = Buffer.concat(frames.map(encodeFrame))
    // every cut inside the small frames and their headers, then some inside the big one
    const cuts = [...Array(frames.slice(0, 4).reduce((a, f) => a + f.length + 2, 4)).keys(), 9000, wire.length - 1]
    let expected = 0
    for (const cut of cuts) {
      await writeFlushed(socket, wire.subarray(0, cut))
      await writeFlushed(socket, wire.subarray(cut))
      expected += frames.length
      const got = await server.frameCount(expected)
      expect(got.slice(-frames.length).map(hex), `cut at ${cut}`).toEqual(frames.map(hex))
    }
    socket.destroy()
  })

  it('separates many frames merged into one write', async () => {
    const l = await listen()
    const socket = await rawSocket(l.port)
    const server = probe(await l.accepted())
    const frames = Array.from({ length: 1000 }, (_, i) => filled(1 + (i % 97), i))
    socket.write(Buffer.concat(frames.map(encodeFrame)))
    const got = await server.frameCount(1000)
    expect(got.map(hex)).toEqual(frames.map(hex))
    socket.destroy()
  })

  it('keeps frames that arrive before setHandlers and delivers them in order', async () => {
    const l = await listen()
    const [client, serverT] = await Promise.all([l.connector()(), l.accepted()])
    // before the handshake: frames of at most 512 bytes (the handshake size), kept until setHandlers
    for (let i = 1; i <= 5; i++) serverT.send(filled(i * 100, i))
    // loopback puts the bytes in the client's receive queue at once; let its socket read them
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r))
    const c = probe(client, undefined, false)
    const got = await c.frameCount(5)
    expect(got.map((f) => f.length)).toEqual([100, 200, 300, 400, 500])
  })

  it('does not deadlock when both peers send large frames at each other at once', async () => {
    const l = await listen()
    const { client, server } = await pair(l)
    const big = filled(4 * 1024 * 1024, 3)
    for (let i = 0; i < 8; i++) {
      client.transport.send(big)
      server.transport.send(big)
    }
    await Promise.all([client.frameCount(8), server.frameCount(8)])
    expect(client.closes).toEqual([])
  })
})

describe('hostile input closes only that connection', () => {
  async function expectClosedByServer(bytes: Uint8Array, match: RegExp, code = 'kp.Protocol', authenticated = true) {
    const l = await listen({ maxFrame: 1024 * 1024 })
    const { client: good, server: goodServer } = await pair(l, {}, true)
    const socket = await rawSocket(l.port)
    const bad = probe(await l.accepted(), undefined, authenticated)
    socket.write(bytes)
    const error = await bad.closed
    expect(code === 'kp.Protocol' ? ProtocolError.isInstance(error) : TransportError.isInstance(error), String(error)).toBe(true)
    expect((error as TransportError).code).toBe(code)
    expect(String(error)).toMatch(match)
    await socketClosed(socket)
    // the other connection still works
    good.transport.send(new Uint8Array([42]))
    expect(hex((await good.frameCount(1))[0]!)).toBe('2a')
    expect(goodServer.closes).toEqual([])
    expect(bad.closes).toHaveLength(1)
  }

  it('a zero length prefix', () => expectClosedByServer(new Uint8Array([0]), /frame length 0/))

  it('a length prefix above maxFrame (checked before any allocation)', () =>
    expectClosedByServer(encodeFrame(new Uint8Array(1024 * 1024 + 1)).subarray(0, 3), /exceeds the limit of 1048576 bytes \(maxFrame\)/, 'kp.FrameTooLarge'))

  it('a length prefix above the handshake size before the handshake (checked before any allocation)', () =>
    expectClosedByServer(encodeFrame(new Uint8Array(513)).subarray(0, 2), /513 bytes .* exceeds the limit of 512 bytes/, 'kp.FrameTooLarge', false))

  it('a huge length prefix (2^62)', () => expectClosedByServer(Buffer.from('0300008080808080808010', 'hex'), /exceeds the limit/, 'kp.FrameTooLarge'))

  it('a malformed (overlong) header', () => expectClosedByServer(Buffer.from(`030000${'80'.repeat(11)}`, 'hex'), /longer than 10 bytes/))

  it('a frame after a good one still closes, the good one is delivered', async () => {
    const l = await listen()
    const socket = await rawSocket(l.port)
    const bad = probe(await l.accepted())
    socket.write(Buffer.concat([encodeFrame(new Uint8Array([7])), new Uint8Array([0])]))
    expect(ProtocolError.isInstance(await bad.closed)).toBe(true)
    expect(bad.frames.map(hex)).toEqual(['07'])
  })

  it('a peer that ends the stream in the middle of a frame', async () => {
    const l = await listen()
    const socket = await rawSocket(l.port)
    const bad = probe(await l.accepted())
    socket.end(encodeFrame(new Uint8Array(100)).subarray(0, 50))
    const error = await bad.closed
    expect(TransportError.isInstance(error)).toBe(true)
    expect(String(error)).toMatch(/middle of a frame/)
  })
})

describe('backpressure', () => {
  it('closes with kp.SlowPeer when a peer that never reads makes us queue more than maxBuffered', async () => {
    const maxBuffered = 2 * 1024 * 1024
    const l = await listen({ maxFrame: 64 * 1024, maxBuffered })
    const socket = await rawSocket(l.port)
    socket.pause() // never reads
    const server = probe(await l.accepted())
    const frame = filled(64 * 1024, 1)
    let highest = 0
    let sent = 0
    // bounded: the kernel buffers take a few MB on loopback, then the queue must hit the limit
    for (; sent < 20_000 && server.closes.length === 0; sent++) {
      server.transport.send(frame)
      highest = Math.max(highest, server.transport.bufferedAmount)
      if (sent % 16 === 15) await new Promise((r) => setImmediate(r))
    }
    const error = await server.closed
    expect(TransportError.isInstance(error) && error.code).toBe('kp.SlowPeer')
    expect(String(error)).toMatch(/is not reading.*maxBuffered \(2097152\)/)
    expect(highest).toBeLessThanOrEqual(maxBuffered)
    expect(sent).toBeLessThan(20_000)
    socket.destroy()
  })

  it('bufferedAmount counts the frames of this tick and what the socket has not handed to the kernel', async () => {
    const l = await listen()
    const { client, server } = await pair(l)
    expect(client.transport.bufferedAmount).toBe(0)
    client.transport.send(new Uint8Array(10))
    client.transport.send(new Uint8Array(100))
    expect(client.transport.bufferedAmount).toBe(1 + 10 + 2 + 100)
    await server.frameCount(2)
    expect(client.transport.bufferedAmount).toBe(0)
  })

  it('a frame sent within one tick beyond maxBuffered closes the connection too', async () => {
    const l = await listen({ maxFrame: 1000, maxBuffered: 2500 })
    const socket = await rawSocket(l.port)
    const server = probe(await l.accepted())
    for (let i = 0; i < 3; i++) server.transport.send(new Uint8Array(1000))
    expect(TransportError.isInstance(await server.closed) && ((await server.closed) as TransportError).code).toBe('kp.SlowPeer')
    socket.destroy()
  })
})

describe('close', () => {
  it('is reported exactly once on both ends when the client closes', async () => {
    const l = await listen()
    const { client, server } = await pair(l)
    client.transport.close()
    client.transport.close(new Error('again'))
    expect(await client.closed).toBeUndefined()
    expect(await server.closed).toBeUndefined()
    server.transport.close()
    await new Promise((r) => setTimeout(r, 20))
    expect(client.closes).toEqual([undefined])
    expect(server.closes).toEqual([undefined])
  })

  it('is reported exactly once on both ends when the server closes, after the frames it sent', async () => {
    const l = await listen()
    const { client, server } = await pair(l)
    server.transport.send(filled(100_000, 1))
    server.transport.send(new Uint8Array([1]))
    const reason = new Error('bye')
    server.transport.close(reason)
    expect(await server.closed).toBe(reason)
    expect(await client.closed).toBeUndefined()
    expect(client.frames.map((f) => f.length)).toEqual([100_000, 1])
    expect(client.closes).toHaveLength(1)
    expect(server.closes).toHaveLength(1)
  })

  it('ignores sends after close, and reports a close that happened before setHandlers', async () => {
    const l = await listen()
    const [client, serverT] = await Promise.all([l.connector()(), l.accepted()])
    client.close()
    client.send(new Uint8Array([1]))
    const c = probe(client)
    expect(await c.closed).toBeUndefined()
    const s = probe(serverT)
    expect(await s.closed).toBeUndefined()
    expect(s.frames).toEqual([])
  })

  it('destroys a closed socket whose peer never completes the goodbye (2 s grace)', async () => {
    const l = await listen()
    const socket = await rawSocket(l.port, true) // half-open allowed: it never sends its FIN back
    const server = probe(await l.accepted())
    const t0 = Date.now()
    server.transport.close()
    await server.closed
    expect(l.listener.connectionCount).toBe(1)
    await socketClosed((server.transport as unknown as { socket: Socket }).socket)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900)
    expect(l.listener.connectionCount).toBe(0)
    socket.destroy()
  })

  it('reports a reset from the peer as a TransportError', async () => {
    const l = await listen()
    const socket = await rawSocket(l.port)
    const server = probe(await l.accepted())
    socket.resetAndDestroy()
    const error = await server.closed
    expect(TransportError.isInstance(error), String(error)).toBe(true)
    expect(String(error)).toMatch(/ECONNRESET/)
  })

  it('send refuses an empty frame or one above maxFrame, and a non-Uint8Array', async () => {
    const l = await listen({ maxFrame: 1000 })
    const { client } = await pair(l, { maxFrame: 1000 })
    expect(() => client.transport.send(new Uint8Array(0))).toThrow(RangeError)
    expect(() => client.transport.send(new Uint8Array(1001))).toThrow(/expected 1 to 1000 bytes \(maxFrame\), got length=1001/)
    expect(() => client.transport.send('x' as never)).toThrow(TypeError)
    expect(client.transport.maxFrame).toBe(1000)
    expect(client.transport.reliable).toBe(true)
    expect(client.transport.remoteAddress).toBe(`127.0.0.1:${l.port}`)
  })
})

describe('listener', () => {
  it('binds port 0 to a real port, refuses a used one, and frees it on close', async () => {
    const a = await tcpListener({ host: '127.0.0.1', port: 0 })
    expect(a.address.host).toBe('127.0.0.1')
    expect(a.address.port).toBeGreaterThan(0)
    const error = await tcpListener({ host: '127.0.0.1', port: a.address.port }).catch((e) => e)
    expect(TransportError.isInstance(error) && error.code).toBe('kp.AddressInUse')
    await a.close()
    await a.close()
    const b = await tcpListener({ host: '127.0.0.1', port: a.address.port })
    expect(b.address.port).toBe(a.address.port)
    await b.close()
  })

  it('marks connections beyond maxConnections for refusal (REJECT full), drops those beyond the margin, accepts again below it', async () => {
    const l = await listen({ maxConnections: 3 })
    const pairs = await Promise.all([pair(l), pair(l), pair(l)])
    for (const p of pairs) expect((p.server.transport as { refusal?: string }).refusal).toBeUndefined()
    const extra = await rawSocket(l.port)
    const refused = await l.accepted()
    expect((refused as { refusal?: string }).refusal).toBe('full')
    expect(l.listener.refusedCount).toBe(1)
    expect(l.listener.droppedCount).toBe(0)
    // what core does with it: send the refusal, close (flushed, then the socket ends)
    const got: Buffer[] = []
    extra.on('data', (b: Buffer) => got.push(b))
    refused.send(Uint8Array.of(5, 16, 4, 102, 117, 108, 108))
    refused.close()
    await socketClosed(extra)
    expect([...Buffer.concat(got)]).toEqual([7 << 2, 5, 16, 4, 102, 117, 108, 108])
    // beyond maxConnections + REFUSE_MARGIN a connection is destroyed at once
    const flood: Socket[] = []
    for (let i = 0; i < REFUSE_MARGIN; i++) flood.push(await rawSocket(l.port))
    const last = await rawSocket(l.port)
    await socketClosed(last)
    expect(l.listener.droppedCount).toBe(1)
    expect(l.listener.refusedCount).toBe(1 + REFUSE_MARGIN)
    for (const s of flood) s.destroy()
    pairs[0]!.client.transport.close()
    await pairs[0]!.server.closed
    await socketClosed((pairs[0]!.server.transport as unknown as { socket: Socket }).socket)
    while (l.listener.connectionCount > 2) await new Promise((r) => setTimeout(r, 10))
    // drain the refused transports the flood left in the queue, then a new connection is a normal one
    for (let i = 0; i < REFUSE_MARGIN; i++) (await l.accepted()).close()
    const again = await pair(l, {}, true)
    expect((again.server.transport as { refusal?: string }).refusal).toBeUndefined()
    again.client.transport.send(new Uint8Array([5]))
    expect((await again.client.frameCount(1))[0]![0]).toBe(5)
  })

  it('destroys connections that arrive before onConnection is set', async () => {
    const listener = await tcpListener({ port: 0 })
    const socket = await rawSocket(listener.address.port)
    await socketClosed(socket)
    await listener.close()
  })

  it('validates its options', async () => {
    await expect(tcpListener({ port: -1 })).rejects.toThrow(RangeError)
    await expect(tcpListener({ port: '80' as never })).rejects.toThrow(TypeError)
    await expect(tcpListener({ port: 0, host: '' })).rejects.toThrow(/"host"/)
    await expect(tcpListener({ port: 0, maxFrame: 0 })).rejects.toThrow(/"maxFrame" expected an integer in \[1, 1073741824\], got 0/)
    await expect(tcpListener({ port: 0, maxFrame: 1000, maxBuffered: 999 })).rejects.toThrow(/"maxBuffered"/)
    await expect(tcpListener({ port: 0, maxConnections: 1.5 })).rejects.toThrow(TypeError)
    await expect(tcpListener(null as never)).rejects.toThrow(TypeError)
  })
})

describe('connector', () => {
  it('fails with kp.ConnectionRefused when nothing listens', async () => {
    const l = await tcpListener({ port: 0 })
    await l.close()
    const error = await tcpConnector({ port: l.address.port })().catch((e) => e)
    expect(TransportError.isInstance(error) && error.code).toBe('kp.ConnectionRefused')
    expect(String(error)).toMatch(/ECONNREFUSED/)
  })

  it('rejects with the abort reason when aborted, before or during the connect', async () => {
    const l = await listen()
    const ac = new AbortController()
    ac.abort(new Error('stop'))
    await expect(l.connector()(ac.signal)).rejects.toThrow('stop')
    const ac2 = new AbortController()
    const p = l.connector()(ac2.signal)
    ac2.abort(new Error('stop2'))
    await expect(p).rejects.toThrow('stop2')
  })

  it('fails with kp.ConnectTimeout when the server does not answer', async () => {
    // a listener whose process stops accepting: once its queue (backlog 1) is full, SYNs are dropped
    const child = spawn(
      process.execPath,
      [
        '-e',
        "const s = require('net').createServer().listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => { console.log(s.address().port); setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0), 20) })",
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    try {
      const [line] = (await once(child.stdout!, 'data')) as [Buffer]
      const port = Number(line.toString().trim())
      await new Promise((r) => setTimeout(r, 50)) // the child is now blocked for good
      const connector = tcpConnector({ port, connectTimeoutMs: 300 })
      const errors: unknown[] = []
      const filling: Promise<unknown>[] = []
      for (let i = 0; i < 8 && errors.length === 0; i++) {
        const p = connector().then(
          (t) => t.close(),
          (e) => errors.push(e),
        )
        filling.push(p)
        await p
      }
      await Promise.all(filling)
      expect(errors.length).toBeGreaterThan(0)
      expect(TransportError.isInstance(errors[0]) && (errors[0] as TransportError).code).toBe('kp.ConnectTimeout')
      expect(String(errors[0])).toMatch(/no answer within 300 ms/)
    } finally {
      child.kill('SIGKILL')
    }
  })

  it('connects from the localAddress asked for', async () => {
    const l = await listen()
    const t = await tcpConnector({ port: l.port, localAddress: '127.0.0.2' })()
    try {
      const server = await l.accepted()
      expect(server.remoteAddress).toMatch(/^127\.0\.0\.2:\d+$/)
    } finally {
      t.close()
    }
  })

  it('validates its options', () => {
    expect(() => tcpConnector({ port: 1, localAddress: 'localhost' })).toThrow(/"localAddress" expected an IP address/)
    expect(() => tcpConnector({ port: 70_000 })).toThrow(RangeError)
    expect(() => tcpConnector({ port: 1, connectTimeoutMs: 0 })).toThrow(/"connectTimeoutMs"/)
    expect(() => tcpConnector({ port: 1, host: 5 as never })).toThrow(TypeError)
  })
})
