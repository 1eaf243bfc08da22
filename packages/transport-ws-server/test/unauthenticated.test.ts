import { once } from 'node:events'
import { connect as tcpConnect, type Socket } from 'node:net'
import { KiloInterface, MemoryBudget, SigningKey, type Transport, TransportError } from '@kp/core'
import { setWsReceiveLimit } from '@kp/core/transport'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createWsServer, wsListener } from '../src/index.js'
import { client, echoServer, pattern, sameBytes } from './helpers.js'

const MiB = 1024 * 1024
const gc = () => (globalThis as { gc?: () => void }).gc?.()

/** A raw TCP socket that completed a kp1 WebSocket upgrade (so it can write any frame bytes). */
async function upgraded(port: number): Promise<Socket> {
  const s = tcpConnect(port, '127.0.0.1')
  s.on('error', () => {})
  await once(s, 'connect')
  s.write(
    `GET /kp HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: kp1\r\n\r\n`,
  )
  const [head] = (await once(s, 'data')) as [Buffer]
  expect(head.toString('latin1')).toMatch(/^HTTP\/1\.1 101/)
  return s
}

/** A masked binary frame header declaring `length` bytes (64-bit length), plus the mask. */
function frameHeader(length: number): Buffer {
  const h = Buffer.alloc(14)
  h[0] = 0x82
  h[1] = 0x80 | 127
  h.writeBigUInt64BE(BigInt(length), 2)
  h.writeUInt32BE(0x01020304, 10)
  return h
}

describe('what an anonymous peer can make a WebSocket server hold', () => {
  it('64 connections each declaring a 4 MiB message before the handshake are closed with kp.FrameTooLarge (1009) on the header', async () => {
    const listener = await wsListener({ port: 0, host: '127.0.0.1' })
    const errors: Promise<Error | undefined>[] = []
    listener.onConnection((t: Transport) => {
      errors.push(new Promise((r) => t.setHandlers({ frame() {}, close: r })))
    })
    try {
      const sockets = await Promise.all(Array.from({ length: 64 }, () => upgraded(listener.address.port)))
      const start = Buffer.concat([frameHeader(4 * MiB), Buffer.alloc(60 * 1024)])
      gc()
      const before = process.memoryUsage()
      const closed = sockets.map((s) => new Promise<void>((r) => (s.closed ? r() : s.once('close', () => r()))))
      for (const s of sockets) s.write(start)
      const got = await Promise.all(errors)
      await Promise.all(closed)
      const after = process.memoryUsage()
      expect(got).toHaveLength(64)
      for (const e of got) {
        expect(TransportError.isInstance(e) && e.code).toBe('kp.FrameTooLarge')
        expect(e?.message).toMatch(/exceeds the limit of 512 bytes/)
      }
      const grew = (k: 'rss' | 'arrayBuffers') => (after[k] - before[k]) / MiB
      expect(grew('arrayBuffers')).toBeLessThan(8)
      expect(grew('rss')).toBeLessThan(32)
      console.log(`ws: 64 × 4 MiB declared before the handshake: rss +${grew('rss').toFixed(1)} MiB, arrayBuffers +${grew('arrayBuffers').toFixed(1)} MiB`)
    } finally {
      await listener.close()
    }
  })

  it('the receive limit is set on ws parser: 512 before authenticated(), maxFrame after (fails if ws drops the private field)', async () => {
    await using s = await echoServer({ maxFrame: 100_000 }, false)
    const accepted = s.nextAccepted()
    const c = await client(s.listener.url, { maxFrame: 100_000 }, false)
    const a = await accepted
    const serverWs = (a.transport as unknown as { socket: { _receiver: { _maxPayload: number } } }).socket
    const clientWs = (c.transport as unknown as { socket: { _receiver: { _maxPayload: number } } }).socket
    // `ws` checks `_receiver._maxPayload` on each frame header; the transports rely on it
    expect(serverWs._receiver._maxPayload).toBe(512)
    expect(clientWs._receiver._maxPayload).toBe(512)
    expect(setWsReceiveLimit(serverWs, 512)).toBe(true)
    a.transport.authenticated?.()
    c.transport.authenticated?.()
    expect(serverWs._receiver._maxPayload).toBe(100_000)
    expect(clientWs._receiver._maxPayload).toBe(100_000)
    expect(sameBytes(await c.echo(pattern(100_000)), pattern(100_000))).toBe(true)
    expect(setWsReceiveLimit({}, 512)).toBe(false) // a socket without the field: checked per message instead
    c.transport.close()
  })

  it('peers that do not read share one memory budget: the one that crosses it is closed, the others and a good client go on', async () => {
    // each peer holds 2 MiB to 2.25 MiB: three fit in 7 MiB, the fourth crosses it
    const budget = new MemoryBudget(7 * MiB)
    await using s = await echoServer({ maxFrame: 256 * 1024, maxBuffered: 64 * MiB, memoryBudget: budget })
    const good = await client(s.listener.url, { maxFrame: 256 * 1024 })
    const peers: { transport: Transport; closed: Promise<Error | undefined>; error?: Error }[] = []
    const raws: WebSocket[] = []
    for (let i = 0; i < 4; i++) {
      const accepted = s.nextAccepted()
      const ws = new WebSocket(s.listener.url, ['kp1'])
      ws.on('error', () => {})
      await once(ws, 'open')
      ;(ws as unknown as { _socket: Socket })._socket.pause() // never reads
      raws.push(ws)
      const a = await accepted
      const p = { ...a, error: undefined as Error | undefined }
      void a.closed.then((e) => (p.error = e ?? new Error('closed')))
      peers.push(p)
    }
    const frame = pattern(256 * 1024)
    for (const p of peers) {
      for (let i = 0; i < 2000 && !p.error && p.transport.bufferedAmount < 2 * MiB; i++) {
        p.transport.send(frame)
        if (i % 4 === 3) await new Promise((r) => setImmediate(r))
      }
    }
    await new Promise((r) => setTimeout(r, 20))
    expect(peers.map((p) => (p.error ? (p.error as TransportError).code : 'open'))).toEqual(['open', 'open', 'open', 'kp.MemoryBudget'])
    expect(budget.used).toBeLessThanOrEqual(budget.limit)
    expect(sameBytes(await good.echo(pattern(1000)), pattern(1000))).toBe(true)
    const used = budget.used
    peers[0]!.transport.close()
    expect(budget.used).toBeLessThan(used - MiB)
    for (const ws of raws) ws.terminate()
    good.transport.close()
  })

  it('a failed handshake closes with 1008 (policy: timeout) or 1002 (protocol: bad FINISH), not 1011', async () => {
    const server = await createWsServer(new KiloInterface(), { port: 0, host: '127.0.0.1', key: SigningKey.generate(), handshakeTimeoutMs: 200 })
    try {
      // a peer that says nothing: the handshake times out, a policy close
      const quiet = new WebSocket(server.url, ['kp1'])
      await once(quiet, 'open')
      const [quietCode] = await once(quiet, 'close')
      expect(quietCode).toBe(1008)
      // a peer whose FINISH does not open: a protocol error
      const bad = new WebSocket(server.url, ['kp1'])
      await once(bad, 'open')
      bad.on('message', (m: Buffer) => {
        if (m[0] === 2) bad.send(Buffer.concat([Buffer.from([3]), Buffer.alloc(113)]))
      })
      bad.send(helloFrame())
      const [badCode] = await once(bad, 'close')
      expect(badCode).toBe(1002)
    } finally {
      await server.close()
    }
  })
})

/** A well-formed HELLO (PROTOCOL.md 4.1, 256 bytes): type 1, version 1, an X25519 key, no cookie, zero padding. */
function helloFrame(): Uint8Array {
  const h = new Uint8Array(256)
  h[0] = 1
  h[1] = 1 << 2
  crypto.getRandomValues(h.subarray(2, 34))
  return h
}
