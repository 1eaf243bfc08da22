import { describe, expect, it } from 'vitest'
import type { Transport } from '@kp/core'
import { wsListener } from '../src/index.js'
import { client, echoServer, pattern, sameBytes } from './helpers.js'

describe('raw frame echo over a real WebSocket', () => {
  it('echoes frames of many sizes whole and in order', async () => {
    await using s = await echoServer()
    const c = await client(s.listener.url)
    const sizes = [1, 2, 125, 126, 127, 65_535, 65_536, 65_537, 1 << 20]
    for (const n of sizes) c.transport.send(pattern(n, n))
    for (const n of sizes) expect(sameBytes(await c.next(), pattern(n, n))).toBe(true)
    c.transport.close()
    expect(await c.closed).toBeUndefined()
    expect(await s.accepted[0]!.closed).toBeUndefined()
  })

  it('echoes 10 000 small frames pipelined', async () => {
    await using s = await echoServer()
    const c = await client(s.listener.url)
    for (let i = 0; i < 10_000; i++) c.transport.send(pattern(1 + (i % 50), i))
    for (let i = 0; i < 10_000; i++) {
      const f = await c.next()
      if (!sameBytes(f, pattern(1 + (i % 50), i))) expect.fail(`frame ${i} differs`)
    }
    c.transport.close()
  })

  it('carries a frame of exactly maxFrame and refuses to send a larger one', async () => {
    await using s = await echoServer({ maxFrame: 100_000 })
    const c = await client(s.listener.url, { maxFrame: 100_000 })
    expect(sameBytes(await c.echo(pattern(100_000, 3)), pattern(100_000, 3))).toBe(true)
    expect(() => c.transport.send(new Uint8Array(100_001))).toThrow(RangeError)
    expect(() => s.accepted[0]!.transport.send(new Uint8Array(100_001))).toThrow(RangeError)
    c.transport.close()
  })

  it('reports the server side facts: reliable, maxFrame, remoteAddress, bufferedAmount', async () => {
    await using s = await echoServer()
    const accepted = s.nextAccepted()
    const c = await client(s.listener.url)
    const a = await accepted
    expect(a.transport.reliable).toBe(true)
    expect(a.transport.maxFrame).toBe(16 * 1024 * 1024)
    expect(a.transport.remoteAddress).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(a.transport.bufferedAmount).toBe(0)
    expect(c.transport.remoteAddress).toBe(`127.0.0.1:${s.listener.address.port}`)
    expect(s.listener.url).toBe(`ws://127.0.0.1:${s.listener.address.port}/kp`)
    c.transport.close()
  })

  it('a server-side close reaches the client as a clean close, reported once on each side', async () => {
    await using s = await echoServer()
    const accepted = s.nextAccepted()
    const c = await client(s.listener.url)
    const a = await accepted
    a.transport.close()
    a.transport.close()
    expect(await a.closed).toBeUndefined()
    expect(await c.closed).toBeUndefined()
    a.transport.send(new Uint8Array(1)) // ignored after close
  })

  it('a close with an error reaches the peer as an error close', async () => {
    await using s = await echoServer()
    const accepted = s.nextAccepted()
    const c = await client(s.listener.url)
    const a = await accepted
    const reason = new Error('boom')
    a.transport.close(reason)
    expect(await a.closed).toBe(reason)
    const e = await c.closed
    expect(e?.message).toMatch(/code 1011/)
  })

  it('keeps frames (and the close) that arrive before setHandlers and delivers them in order', async () => {
    const listener = await wsListener({ port: 0, host: '127.0.0.1' })
    try {
      const accepted = new Promise<Transport>((r) => listener.onConnection(r))
      const c = await client(listener.url)
      const server = await accepted
      // before the handshake: handshake-sized frames (at most 512 bytes)
      for (let i = 1; i <= 3; i++) c.transport.send(pattern(i * 100, i))
      c.transport.close()
      // The client's close completes only after the server has read the close frame, which
      // follows the three messages on the wire: all of it is now waiting in the server transport.
      expect(await c.closed).toBeUndefined()
      const frames: Uint8Array[] = []
      const closes: (Error | undefined)[] = []
      const closed = new Promise<void>((r) =>
        server.setHandlers({
          frame: (f) => frames.push(f),
          close: (e) => {
            closes.push(e)
            r()
          },
        }),
      )
      await closed
      expect(frames.map((f) => f.length)).toEqual([100, 200, 300])
      for (let i = 1; i <= 3; i++) expect(sameBytes(frames[i - 1]!, pattern(i * 100, i))).toBe(true)
      expect(closes).toEqual([undefined])
      expect(() => server.setHandlers({ frame() {}, close() {} })).toThrow(/once/)
    } finally {
      await listener.close()
    }
  })
})
