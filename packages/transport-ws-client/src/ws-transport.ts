import { ProtocolError, type Transport, TransportError, type TransportHandlers } from '@kp/core'
import type { TransportLimits, WebSocketLike } from './options.js'

const OPEN = 1

/**
 * A {@link Transport} over an already open WebSocket: one binary message is one frame
 * (PROTOCOL.md 8). Works with any WHATWG-like WebSocket (browser, `ws` client or server side).
 *
 * - A text message, or a binary one above `maxFrame`, is a protocol error: the socket closes
 *   (1003 / 1009) and the handlers get a `ProtocolError`.
 * - `send` never waits: once more than `maxBuffered` bytes are queued (the peer does not read),
 *   the socket closes with `TransportError` code `'kp.SlowPeer'`. Reads are never paused.
 * - `handlers.close` is called exactly once, after the last frame.
 */
export class WsTransport implements Transport {
  readonly reliable = true
  readonly maxFrame: number
  readonly remoteAddress: string
  private readonly socket: WebSocketLike
  private readonly maxBuffered: number
  private handlers: TransportHandlers | null = null
  private early: Uint8Array[] | null = []
  private closed = false
  /** Closed from this side: frames still queued for the handlers are dropped. */
  private dropping = false
  private reported = false
  private pendingClose: { error: Error | undefined } | null = null
  private socketError: Error | undefined

  constructor(socket: WebSocketLike, remoteAddress: string, limits: TransportLimits) {
    this.socket = socket
    this.remoteAddress = remoteAddress
    this.maxFrame = limits.maxFrame
    this.maxBuffered = limits.maxBuffered
    socket.binaryType = 'arraybuffer'
    socket.onopen = null
    socket.onmessage = (event) => this.onMessage(event.data)
    socket.onerror = (event) => {
      // `ws` puts the cause in `event.error`; a browser tells nothing more than "error".
      const cause = event?.error
      const detail = cause?.message ? `: ${cause.message}` : ''
      this.socketError ??=
        cause?.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'
          ? new ProtocolError(`message exceeds maxFrame ${this.maxFrame}`, { cause })
          : typeof cause?.code === 'string' && cause.code.startsWith('WS_ERR_')
            ? new ProtocolError(`bad WebSocket frame${detail}`, { cause })
            : new TransportError(`WebSocket error${detail}`, { cause })
    }
    socket.onclose = (event) => this.onPeerClose(event.code, event.reason)
  }

  get bufferedAmount(): number {
    return this.socket.bufferedAmount
  }

  send(frame: Uint8Array): void {
    if (!(frame instanceof Uint8Array)) throw new TypeError(`"frame" expected Uint8Array, got ${typeof frame}`)
    if (frame.length > this.maxFrame) {
      throw new RangeError(`"frame" of ${frame.length} bytes exceeds maxFrame ${this.maxFrame}`)
    }
    if (this.closed || this.socket.readyState !== OPEN) return
    this.socket.send(frame)
    if (this.socket.bufferedAmount > this.maxBuffered) {
      this.close(
        new TransportError(`peer is not reading: more than ${this.maxBuffered} bytes queued`, { code: 'kp.SlowPeer' }),
      )
    }
  }

  setHandlers(handlers: TransportHandlers): void {
    if (this.handlers) throw new Error('setHandlers may be called once')
    this.handlers = handlers
    const early = this.early
    this.early = null
    if (early) for (const f of early) if (!this.dropping) handlers.frame(f)
    const p = this.pendingClose
    if (p) {
      this.pendingClose = null
      this.report(p.error)
    }
  }

  close(error?: Error): void {
    this.dropping = true
    if (this.closed) return
    this.closed = true
    const s = this.socket
    if (TransportError.isInstance(error) && error.code === 'kp.SlowPeer' && s.terminate) s.terminate()
    else closeSocket(s, error === undefined ? 1000 : ProtocolError.isInstance(error) ? 1002 : 1011)
    queueMicrotask(() => this.report(error))
  }

  private onMessage(data: unknown): void {
    if (this.closed) return
    let frame: Uint8Array
    if (data instanceof ArrayBuffer) frame = new Uint8Array(data)
    else if (ArrayBuffer.isView(data)) frame = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    else if (typeof data === 'string') {
      this.fail(new ProtocolError('text message received: kp1 carries binary messages only'), 1003)
      return
    } else {
      this.fail(new ProtocolError(`unexpected message data (${typeof data})`), 1003)
      return
    }
    if (frame.length > this.maxFrame) {
      this.fail(new ProtocolError(`frame of ${frame.length} bytes exceeds maxFrame ${this.maxFrame}`), 1009)
      return
    }
    if (this.handlers) this.handlers.frame(frame)
    else this.early?.push(frame)
  }

  private fail(error: Error, code: number): void {
    if (this.closed) return
    this.closed = true
    closeSocket(this.socket, code)
    queueMicrotask(() => this.report(error))
  }

  private onPeerClose(code: number, reason: string): void {
    if (this.closed) return
    this.closed = true
    this.report(closeError(code, reason, this.socketError))
  }

  private report(error: Error | undefined): void {
    if (this.reported) return
    const h = this.handlers
    if (!h) {
      this.pendingClose ??= { error }
      return
    }
    this.reported = true
    h.close(error)
  }
}

/** The error to report for a close by the peer (or the network); none for a clean close. @internal */
export function closeError(code: number, reason: string, socketError: Error | undefined): Error | undefined {
  if (code === 1000 || code === 1001 || code === 1005) return socketError
  if (socketError) return socketError
  if (code === 1006) return new TransportError('connection lost (closed without a closing handshake)')
  return new TransportError(`closed by peer with code ${code}${reason ? ` (${reason})` : ''}`)
}

/**
 * Browsers may only send 1000 and 3000–4999, so a refused standard code is retried as
 * 4000 + (code − 1000); `ws` accepts the standard codes.
 */
function closeSocket(s: WebSocketLike, code: number): void {
  try {
    s.close(code)
  } catch {
    try {
      s.close(code === 1000 ? 1000 : 4000 + (code - 1000))
    } catch {
      // already closing
    }
  }
}
