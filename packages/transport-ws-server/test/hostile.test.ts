import { once } from 'node:events'
import { connect as tcpConnect } from 'node:net'
import { ProtocolError, TransportError } from '@kp/core'
import { wsConnector } from '@kp/transport-ws-client'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { wsListener } from '../src/index.js'
import { client, echoServer, pattern, sameBytes } from './helpers.js'

/** A raw `ws` client (no Kiloparsec rules), opened. */
async function raw(url: string, protocols: string[] = ['kp1'], options: WebSocket.ClientOptions = {}) {
  const ws = new WebSocket(url, protocols, options)
  await once(ws, 'open')
  return ws
}

/** The HTTP status with which the server refuses an upgrade. */
async function refusedStatus(url: string, protocols: string[]): Promise<number> {
  const ws = new WebSocket(url, protocols)
  ws.on('error', () => {})
  const [, res] = await once(ws, 'unexpected-response')
  ws.terminate()
  return res.statusCode
}

describe('hostile and broken peers end only their own connection', () => {
  it('refuses a wrong path with 404 and a missing kp1 subprotocol with 400', async () => {
    await using s = await echoServer()
    const good = await client(s.listener.url)
    const base = `ws://127.0.0.1:${s.listener.address.port}`
    expect(await refusedStatus(`${base}/other`, ['kp1'])).toBe(404)
    expect(await refusedStatus(`${base}/kp`, ['chat'])).toBe(400)
    expect(await refusedStatus(`${base}/kp`, [])).toBe(400)
    const e = await wsConnector(`${base}/nope`)().catch((e) => e)
    expect(TransportError.isInstance(e)).toBe(true)
    expect(e.code).toBe('kp.ConnectionRefused')
    expect(e.message).toMatch(/404/)
    expect(s.accepted).toHaveLength(1)
    expect(sameBytes(await good.echo(pattern(100)), pattern(100))).toBe(true)
    good.transport.close()
  })

  it('a query string on the path is accepted', async () => {
    await using s = await echoServer()
    const c = await client(`${s.listener.url}?session=1`)
    expect(sameBytes(await c.echo(pattern(5)), pattern(5))).toBe(true)
    c.transport.close()
  })

  it('closes a connection that sends a text message with 1003 (ProtocolError on the server)', async () => {
    await using s = await echoServer()
    const good = await client(s.listener.url)
    const accepted = s.nextAccepted()
    const bad = await raw(s.listener.url)
    const a = await accepted
    bad.send('hello')
    const [code] = await once(bad, 'close')
    expect(code).toBe(1003)
    const e = await a.closed
    expect(ProtocolError.isInstance(e)).toBe(true)
    expect(e?.message).toMatch(/text message/)
    expect(sameBytes(await good.echo(pattern(100)), pattern(100))).toBe(true)
    good.transport.close()
  })

  it('closes a connection that sends a message above maxFrame with 1009 (kp.FrameTooLarge on the server)', async () => {
    await using s = await echoServer({ maxFrame: 4096 })
    const good = await client(s.listener.url, { maxFrame: 4096 })
    const accepted = s.nextAccepted()
    const bad = await raw(s.listener.url)
    const a = await accepted
    bad.on('error', () => {})
    bad.send(new Uint8Array(4097))
    const [code] = await once(bad, 'close')
    expect(code).toBe(1009)
    const e = await a.closed
    expect(TransportError.isInstance(e) && e.code).toBe('kp.FrameTooLarge')
    expect(e?.message).toMatch(/exceeds the limit of 4096 bytes/)
    expect(sameBytes(await good.echo(pattern(4096)), pattern(4096))).toBe(true)
    good.transport.close()
  })

  it('before the handshake, a message above 512 bytes closes with 1009 (kp.FrameTooLarge)', async () => {
    await using s = await echoServer({}, false)
    const accepted = s.nextAccepted()
    const bad = await raw(s.listener.url)
    const a = await accepted
    bad.on('error', () => {})
    bad.send(new Uint8Array(512))
    bad.send(new Uint8Array(513))
    const [code] = await once(bad, 'close')
    expect(code).toBe(1009)
    const e = await a.closed
    expect(TransportError.isInstance(e) && e.code).toBe('kp.FrameTooLarge')
    expect(e?.message).toMatch(/exceeds the limit of 512 bytes/)
  })

  it('the client transport closes a message above its maxFrame with kp.FrameTooLarge', async () => {
    await using s = await echoServer()
    const accepted = s.nextAccepted()
    const c = await client(s.listener.url, { maxFrame: 1000 })
    const a = await accepted
    a.transport.send(new Uint8Array(1001))
    const e = await c.closed
    expect(TransportError.isInstance(e) && e.code).toBe('kp.FrameTooLarge')
    expect(await a.closed).toBeInstanceOf(Error)
  })

  it('an abrupt TCP reset by the client ends that transport with a TransportError', async () => {
    await using s = await echoServer()
    const good = await client(s.listener.url)
    const accepted = s.nextAccepted()
    const bad = await raw(s.listener.url)
    const a = await accepted
    bad.on('error', () => {})
    ;(bad as any)._socket.resetAndDestroy()
    const e = await a.closed
    expect(TransportError.isInstance(e)).toBe(true)
    expect(sameBytes(await good.echo(pattern(100)), pattern(100))).toBe(true)
    good.transport.close()
  })

  it('an abrupt TCP reset by the server ends the client transport with a TransportError', async () => {
    await using s = await echoServer()
    const good = await client(s.listener.url)
    const accepted = s.nextAccepted()
    const c = await client(s.listener.url)
    const a = await accepted
    ;(a.transport as any).socket._socket.resetAndDestroy()
    const e = await c.closed
    expect(TransportError.isInstance(e)).toBe(true)
    expect(e?.message).toMatch(/connection lost|ECONNRESET/)
    expect(TransportError.isInstance(await a.closed)).toBe(true)
    expect(sameBytes(await good.echo(pattern(100)), pattern(100))).toBe(true)
    good.transport.close()
  })

  it('survives garbage and idle TCP connections that never upgrade', async () => {
    await using s = await echoServer()
    const idle = tcpConnect(s.listener.address.port, '127.0.0.1')
    await once(idle, 'connect')
    const garbage = tcpConnect(s.listener.address.port, '127.0.0.1')
    await once(garbage, 'connect')
    garbage.on('data', () => {})
    garbage.write('\x16\x03\x01 not http at all\r\n\r\n')
    await once(garbage, 'close')
    const c = await client(s.listener.url)
    expect(sameBytes(await c.echo(pattern(100)), pattern(100))).toBe(true)
    c.transport.close()
    idle.destroy()
  })

  it('closes a peer that does not read with kp.SlowPeer, without pausing its reads', async () => {
    await using s = await echoServer({ maxFrame: 64 * 1024, maxBuffered: 1024 * 1024 })
    const accepted = s.nextAccepted()
    const slow = await raw(s.listener.url)
    const a = await accepted
    slow.on('error', () => {})
    ;(slow as any)._socket.pause()
    const frame = new Uint8Array(64 * 1024)
    let sent = 0
    let settled = false
    void a.closed.then(() => (settled = true))
    // Kernel buffers absorb a few MB first; the bound is what the transport itself queues.
    while (!settled && sent < 2_000) {
      a.transport.send(frame)
      sent++
      if (sent % 16 === 0) await new Promise((r) => setImmediate(r))
    }
    const e = await a.closed
    expect(TransportError.isInstance(e)).toBe(true)
    expect((e as TransportError).code).toBe('kp.SlowPeer')
    expect(a.transport.bufferedAmount).toBeLessThanOrEqual(1024 * 1024 + 64 * 1024)
    slow.terminate()
  })

  it('close() stops accepting while open connections keep working', async () => {
    const s = await echoServer()
    const c = await client(s.listener.url)
    const url = s.listener.url
    await s.listener.close()
    await s.listener.close()
    const e = await wsConnector(url)().catch((e) => e)
    expect(e.code).toBe('kp.ConnectionRefused')
    expect(sameBytes(await c.echo(pattern(1000)), pattern(1000))).toBe(true)
    c.transport.close()
    await c.closed
  })

  it('listening on a port in use fails with kp.AddressInUse', async () => {
    await using s = await echoServer()
    const e = await wsListener({ port: s.listener.address.port, host: '127.0.0.1' }).catch((e) => e)
    expect(TransportError.isInstance(e)).toBe(true)
    expect(e.code).toBe('kp.AddressInUse')
  })

  it('answers plain HTTP on its own server with 426 on the path and 404 elsewhere', async () => {
    await using s = await echoServer()
    const base = `http://127.0.0.1:${s.listener.address.port}`
    expect((await fetch(`${base}/kp`)).status).toBe(426)
    expect((await fetch(`${base}/`)).status).toBe(404)
  })

  it('validates its options', async () => {
    const bad: [unknown, RegExp, ErrorConstructor][] = [
      [undefined, /expected an object/, TypeError],
      [{}, /exactly one of "port"/, TypeError],
      [{ port: 1, server: {} }, /exactly one of "port"/, TypeError],
      [{ port: '80' }, /"port" expected a number/, TypeError],
      [{ port: 70_000 }, /"port" expected an integer 0\.\.65535/, RangeError],
      [{ server: 5 }, /"server" expected an http.Server/, TypeError],
      [{ port: 0, path: 'kp' }, /"path" expected a string starting with "\/"/, TypeError],
      [{ port: 0, maxFrame: 0 }, /"maxFrame" expected a positive integer/, RangeError],
      [{ port: 0, maxFrame: 1000, maxBuffered: 999 }, /"maxBuffered" expected at least maxFrame/, RangeError],
    ]
    for (const [options, message, type] of bad) {
      const e = await wsListener(options as never).catch((e) => e)
      expect(e, JSON.stringify(options)).toBeInstanceOf(type)
      expect(e.message).toMatch(message)
    }
  })
})
