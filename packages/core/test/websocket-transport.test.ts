import { describe, expect, it } from 'vitest'
import { HandshakeError, ProtocolError, TransportError } from '../src/index.js'
import { MemoryBudget } from '../src/limits/memory-budget.js'
import { type WebSocketLike, WebSocketTransport, webSocketCloseCode } from '../src/transport/kit.js'

/** A WebSocket-like object without `ws` internals (a browser's, say). */
class FakeSocket implements WebSocketLike {
  binaryType = 'blob'
  readyState = 1
  bufferedAmount = 0
  protocol = 'kp1'
  sent: Uint8Array[] = []
  closedWith: number | null = null
  terminated = false
  onopen: ((event: unknown) => void) | null = null
  onmessage: ((event: { data: unknown }) => void) | null = null
  onclose: ((event: { code: number; reason: string }) => void) | null = null
  onerror: ((event: unknown) => void) | null = null
  send(data: Uint8Array) {
    this.sent.push(data)
  }
  close(code?: number) {
    this.closedWith = code ?? 1000
    this.readyState = 3
  }
  terminate() {
    this.terminated = true
  }
}

const handlers = () => {
  const got = { frames: [] as Uint8Array[], closes: [] as (Error | undefined)[] }
  return { got, h: { frame: (f: Uint8Array) => void got.frames.push(f), close: (e?: Error) => void got.closes.push(e) } }
}
const tick = () => new Promise((r) => setTimeout(r, 0))

describe('WebSocketTransport over a socket without a parser limit', () => {
  it('checks each message against the receive limit (512 before authenticated(), maxFrame after): 1009 and kp.FrameTooLarge', async () => {
    const s = new FakeSocket()
    const t = new WebSocketTransport(s, 'peer:1', { maxFrame: 4096, maxBuffered: 1 << 20 })
    expect(s.binaryType).toBe('arraybuffer')
    const { got, h } = handlers()
    t.setHandlers(h)
    s.onmessage!({ data: new Uint8Array(512).buffer })
    t.authenticated()
    s.onmessage!({ data: new Uint8Array(4096).buffer })
    expect(got.frames.map((f) => f.length)).toEqual([512, 4096])
    s.onmessage!({ data: new Uint8Array(4097).buffer })
    expect(s.closedWith).toBe(1009)
    await tick()
    expect(TransportError.isInstance(got.closes[0]) && (got.closes[0] as TransportError).code).toBe('kp.FrameTooLarge')
    const t2 = new WebSocketTransport(new FakeSocket(), 'peer:2', { maxFrame: 4096, maxBuffered: 1 << 20 })
    const two = handlers()
    t2.setHandlers(two.h)
    ;(t2 as unknown as { socket: FakeSocket }).socket.onmessage!({ data: new Uint8Array(513).buffer })
    await tick()
    expect(String(two.got.closes[0])).toMatch(/513 bytes .* exceeds the limit of 512 bytes/)
  })

  it('closes a text message with 1003 and a ProtocolError', async () => {
    const s = new FakeSocket()
    const t = new WebSocketTransport(s, 'peer:1', { maxFrame: 4096, maxBuffered: 1 << 20 })
    const { got, h } = handlers()
    t.setHandlers(h)
    s.onmessage!({ data: 'hello' })
    expect(s.closedWith).toBe(1003)
    await tick()
    expect(ProtocolError.isInstance(got.closes[0])).toBe(true)
  })

  it('drops a peer that does not read (SlowPeer, MemoryBudget) without a closing handshake', async () => {
    const s = new FakeSocket()
    const budget = new MemoryBudget(100_000)
    const t = new WebSocketTransport(s, 'peer:1', { maxFrame: 60_000, maxBuffered: 1 << 20, memoryBudget: budget })
    const { got, h } = handlers()
    t.setHandlers(h)
    // the socket never drains: 64 KiB are free, the rest is charged to the budget
    for (let i = 0; i < 3; i++) {
      t.send(new Uint8Array(50_000))
      s.bufferedAmount += 50_000
    }
    expect(budget.used).toBe(150_000 - 65_536)
    t.send(new Uint8Array(50_000)) // 200 000 - 65 536 > 100 000
    expect(s.terminated).toBe(true)
    await tick()
    expect((got.closes[0] as TransportError).code).toBe('kp.MemoryBudget')
    expect(budget.used).toBe(0) // given back on close
  })

  it('maps close errors to codes: 1000 clean, 1002 protocol, 1008 policy, 1009 too large, 1011 other', () => {
    expect(webSocketCloseCode(undefined)).toBe(1000)
    expect(webSocketCloseCode(new ProtocolError('x'))).toBe(1002)
    expect(webSocketCloseCode(new HandshakeError('malformed', 'x'))).toBe(1002)
    expect(webSocketCloseCode(new HandshakeError('decrypt', 'x'))).toBe(1002)
    for (const check of ['timeout', 'unauthorized', 'busy', 'pin-mismatch', 'rejected'] as const) {
      expect(webSocketCloseCode(new HandshakeError(check, 'x')), check).toBe(1008)
    }
    expect(webSocketCloseCode(new TransportError('x', { code: 'kp.FrameTooLarge' }))).toBe(1009)
    expect(webSocketCloseCode(new Error('bug'))).toBe(1011)
  })

  it('retries a code the socket refuses (browsers allow 1000 and 3000-4999) as 4000 + (code - 1000)', () => {
    const s = new FakeSocket()
    s.close = function (this: FakeSocket, code?: number) {
      if (code !== 1000 && (code ?? 0) < 3000) throw new DOMException('InvalidAccessError')
      this.closedWith = code ?? 1000
    }
    const t = new WebSocketTransport(s, 'peer:1', { maxFrame: 4096, maxBuffered: 1 << 20 })
    t.close(new HandshakeError('timeout', 'x'))
    expect(s.closedWith).toBe(4008)
  })
})
