import { ProtocolError, type Transport, TransportError, type TransportHandlers } from '@kp/core'
import WebSocket from 'ws'

/**
 * A {@link Transport} over one accepted `ws` WebSocket: one binary message is one frame
 * (PROTOCOL.md 8).
 *
 * - A text message is a protocol error: close 1003. A message above `maxFrame` is refused by
 *   `ws` itself (`maxPayload`, close 1009). Either way the handlers get a `ProtocolError`.
 * - `send` never waits and reads are never paused: once more than `maxBuffered` bytes wait to be
 *   written (the peer does not read), the socket is dropped with `TransportError` `'kp.SlowPeer'`.
 * - `handlers.close` is called exactly once, after the last frame.
 * @internal
 */
export class WsServerTransport implements Transport {
  readonly reliable = true
  readonly maxFrame: number
  readonly remoteAddress: string
  private readonly ws: WebSocket
  private readonly maxBuffered: number
  private handlers: TransportHandlers | null = null
  private early: Uint8Array[] | null = []
  private closed = false
  /** Closed from this side: frames still queued for the handlers are dropped. */
  private dropping = false
  private reported = false
  private pendingClose: { error: Error | undefined } | null = null
  private socketError: Error | undefined

  constructor(ws: WebSocket, remoteAddress: string, maxFrame: number, maxBuffered: number) {
    this.ws = ws
    this.remoteAddress = remoteAddress
    this.maxFrame = maxFrame
    this.maxBuffered = maxBuffered
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary))
    ws.on('error', (err: Error & { code?: string }) => {
      this.socketError ??=
        err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'
          ? new ProtocolError(`message exceeds maxFrame ${maxFrame}`, { cause: err })
          : err.code?.startsWith('WS_ERR_')
            ? new ProtocolError(`bad WebSocket frame: ${err.message}`, { cause: err })
            : new TransportError(`socket error: ${err.message}`, { cause: err })
    })
    ws.on('close', (code, reason) => this.onPeerClose(code, reason.toString()))
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount
  }

  send(frame: Uint8Array): void {
    if (!(frame instanceof Uint8Array)) throw new TypeError(`"frame" expected Uint8Array, got ${typeof frame}`)
    if (frame.length > this.maxFrame) {
      throw new RangeError(`"frame" of ${frame.length} bytes exceeds maxFrame ${this.maxFrame}`)
    }
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return
    this.ws.send(frame)
    if (this.ws.bufferedAmount > this.maxBuffered) {
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
    if (TransportError.isInstance(error) && error.code === 'kp.SlowPeer') {
      // A closing handshake would queue behind the backlog the peer does not read: drop it now.
      this.ws.terminate()
    } else {
      this.ws.close(error === undefined ? 1000 : ProtocolError.isInstance(error) ? 1002 : 1011)
    }
    queueMicrotask(() => this.report(error))
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.closed) return
    if (!isBinary) {
      this.closed = true
      this.ws.close(1003, 'binary messages only')
      queueMicrotask(() => this.report(new ProtocolError('text message received: kp1 carries binary messages only')))
      return
    }
    // A plain Uint8Array view (no copy): Buffer's `slice` would surprise code written for Uint8Array.
    const frame = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    if (this.handlers) this.handlers.frame(frame)
    else this.early?.push(frame)
  }

  private onPeerClose(code: number, reason: string): void {
    if (this.closed) return
    this.closed = true
    const err = this.socketError
    if (err !== undefined || code === 1000 || code === 1001 || code === 1005) this.report(err)
    else if (code === 1006) this.report(new TransportError('connection lost (closed without a closing handshake)'))
    else this.report(new TransportError(`closed by peer with code ${code}${reason ? ` (${reason})` : ''}`))
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
