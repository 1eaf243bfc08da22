import { HandshakeError } from '../errors/handshake-error.js'
import { ProtocolError } from '../errors/protocol-error.js'
import { TransportError } from '../errors/transport-error.js'
import { type MemoryBudget, processMemoryBudget } from '../limits/memory-budget.js'
import { TransportBase } from './transport-base.js'
import { TransportCode } from './transport-codes.js'

/**
 * The subset of the WHATWG `WebSocket` the transport uses. The browser's `WebSocket`, Node's
 * global one and the `ws` package's `WebSocket` (client or server side) all fit.
 */
export interface WebSocketLike {
  binaryType: string
  readonly readyState: number
  readonly bufferedAmount: number
  readonly protocol: string
  send(data: Uint8Array): void
  close(code?: number, reason?: string): void
  /** `ws` only: drops the TCP connection at once, without a closing handshake. */
  terminate?(): void
  onopen: ((event: any) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onclose: ((event: { code: number; reason: string }) => void) | null
  onerror: ((event: any) => void) | null
}

/** Options of {@link WebSocketTransport}. */
export interface WebSocketTransportOptions {
  /** Largest frame (one binary message) sent or accepted, bytes. */
  maxFrame: number
  /** Bytes `bufferedAmount` may reach before the connection closes with `kp.SlowPeer`. */
  maxBuffered: number
  /** Shared budget for buffered output beyond 64 KiB (see `TransportBase`). Default: none. */
  memoryBudget?: MemoryBudget | null
  /**
   * `binaryType` to ask of the socket: `'arraybuffer'` (default, every implementation) or, with
   * `ws`, `'nodebuffer'` (messages arrive as views of the read buffer, no copy).
   */
  binaryType?: string
}

/** The WebSocket subprotocol of Kiloparsec wire version 1 (PROTOCOL.md 8). */
export const KP_SUBPROTOCOL = 'kp1'

/** Default largest frame over WebSocket: 16 MiB (PROTOCOL.md 7). */
export const DEFAULT_WS_MAX_FRAME = 16 * 1024 * 1024

/** Send backlog allowed on top of one maximum frame before a peer counts as not reading. */
const BUFFER_SLACK = 32 * 1024 * 1024

/** The limits options both WebSocket packages take. */
export interface WebSocketLimitOptions {
  /** Largest frame (message) sent or accepted, bytes. Default 16 MiB. */
  maxFrame?: number
  /** Send backlog before `kp.SlowPeer`, bytes. Default `maxFrame + 32 MiB`; at least `maxFrame`. */
  maxBuffered?: number
  /** Shared budget for buffered output. Default `processMemoryBudget()`. */
  memoryBudget?: MemoryBudget
}

/**
 * Validates {@link WebSocketLimitOptions} at a public boundary (TypeError / RangeError naming
 * the option) and fills in the defaults. @internal
 */
export function webSocketLimits(options: WebSocketLimitOptions): { maxFrame: number; maxBuffered: number; memoryBudget: MemoryBudget } {
  const maxFrame = options.maxFrame ?? DEFAULT_WS_MAX_FRAME
  positiveInt(maxFrame, 'maxFrame')
  const maxBuffered = options.maxBuffered ?? maxFrame + BUFFER_SLACK
  positiveInt(maxBuffered, 'maxBuffered')
  if (maxBuffered < maxFrame) throw new RangeError(`"maxBuffered" expected at least maxFrame (${maxFrame}), got ${maxBuffered}`)
  const budget: unknown = options.memoryBudget
  if (budget !== undefined && (typeof budget !== 'object' || budget === null || typeof (budget as MemoryBudget).take !== 'function')) {
    throw new TypeError(`"memoryBudget" expected a MemoryBudget, got ${budget === null ? 'null' : typeof budget}`)
  }
  return { maxFrame, maxBuffered, memoryBudget: (budget as MemoryBudget | undefined) ?? processMemoryBudget() }
}

function positiveInt(value: unknown, name: string): void {
  if (typeof value !== 'number') throw new TypeError(`"${name}" expected a number, got ${typeof value}`)
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`"${name}" expected a positive integer, got ${value}`)
}

const OPEN = 1
const WS_TOO_LARGE = 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'

/**
 * WebSocket close codes this transport sends (RFC 6455 7.4.1), by the error it closes with:
 *
 * | code | when |
 * |---|---|
 * | 1000 | a clean close (no error) |
 * | 1002 | the peer broke the protocol: `ProtocolError`, or a `HandshakeError` of a malformed, undecryptable or badly signed handshake |
 * | 1003 | a text message (kp1 carries binary messages only) |
 * | 1008 | policy: a `HandshakeError` the peer did not cause by bad bytes (refused, unauthorized, pin mismatch, busy, timeout) |
 * | 1009 | a message above the receive limit (`kp.FrameTooLarge`) |
 * | 1011 | anything else (an unexpected error on this side) |
 *
 * A peer that does not read (`kp.SlowPeer`, `kp.MemoryBudget`) is dropped without a closing
 * handshake where the socket can (`ws`: `terminate()`). A browser may only send 1000 and
 * 3000–4999: there a refused code `c` is sent as `4000 + (c − 1000)` (1002 → 4002).
 */
export function webSocketCloseCode(error: Error | undefined): number {
  if (error === undefined) return 1000
  if (TransportError.isInstance(error) && error.code === TransportCode.FrameTooLarge) return 1009
  if (ProtocolError.isInstance(error)) return 1002
  if (HandshakeError.isInstance(error)) {
    const c = error.check
    return c === 'malformed' || c === 'decrypt' || c === 'bad-signature' || c === 'low-order-key' || c === 'unsupported-version' ? 1002 : 1008
  }
  return 1011
}

/**
 * A {@link Transport} over an open WHATWG-like WebSocket: one binary message is one frame
 * (PROTOCOL.md 8). Used by `@kp/transport-ws-client` (browser and Node) and
 * `@kp/transport-ws-server` (on `ws`).
 *
 * - Receive limit: on `ws` sockets the limit is set on the socket's parser, so a message above
 *   it is refused on its frame header (before `ws` buffers it); other sockets are checked per
 *   message. Either way the transport closes with `kp.FrameTooLarge` (close code 1009).
 * - A text message closes with `ProtocolError` (1003).
 * - `send` never waits and reads are never paused: beyond `maxBuffered` (or the memory budget)
 *   the socket is dropped. Close codes: {@link webSocketCloseCode}.
 */
export class WebSocketTransport extends TransportBase {
  private readonly socket: WebSocketLike
  private socketError: Error | undefined
  /** Close code chosen by the transport itself (1003 for a text message), else from the error. */
  private closeCode = 0

  constructor(socket: WebSocketLike, remoteAddress: string, options: WebSocketTransportOptions) {
    super({ reliable: true, maxFrame: options.maxFrame, remoteAddress, maxBuffered: options.maxBuffered, memoryBudget: options.memoryBudget ?? null })
    this.socket = socket
    socket.binaryType = options.binaryType ?? 'arraybuffer'
    setWsReceiveLimit(socket, this.receiveLimit)
    socket.onopen = null
    socket.onmessage = (event) => this.onMessage(event.data)
    socket.onerror = (event) => {
      // `ws` puts the cause in `event.error`; a browser tells nothing more than "error".
      const cause = event?.error
      const detail = cause?.message ? `: ${cause.message}` : ''
      this.socketError ??=
        cause?.code === WS_TOO_LARGE
          ? new TransportError(`a message from ${remoteAddress} exceeds the limit of ${this.receiveLimit} bytes`, { code: TransportCode.FrameTooLarge, cause })
          : typeof cause?.code === 'string' && cause.code.startsWith('WS_ERR_')
            ? new ProtocolError(`bad WebSocket frame${detail}`, { cause })
            : new TransportError(`WebSocket error${detail}`, { cause })
    }
    socket.onclose = (event) => this.linkClosed(closeError(event.code, event.reason, this.socketError))
  }

  get bufferedAmount(): number {
    return this.socket.bufferedAmount
  }

  protected output(frame: Uint8Array): void {
    if (this.socket.readyState === OPEN) this.socket.send(frame)
  }

  protected closeLink(error: Error | undefined, abort: boolean): void {
    const s = this.socket
    const code = TransportError.isInstance(error) ? error.code : ''
    if (abort && (code === TransportCode.SlowPeer || code === TransportCode.MemoryBudget) && s.terminate) s.terminate()
    else closeSocket(s, this.closeCode || webSocketCloseCode(error))
  }

  protected override receiveLimitChanged(limit: number): void {
    setWsReceiveLimit(this.socket, limit)
  }

  private onMessage(data: unknown): void {
    let frame: Uint8Array
    if (data instanceof ArrayBuffer) frame = new Uint8Array(data)
    else if (ArrayBuffer.isView(data)) frame = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    else return this.refuse(typeof data === 'string' ? 'text message received: kp1 carries binary messages only' : `unexpected message data (${typeof data})`)
    this.receive(frame)
  }

  /** Closes with 1003 (unsupported data) and a `ProtocolError`. */
  private refuse(message: string): void {
    this.closeCode = 1003
    this.fail(new ProtocolError(message))
  }
}

/**
 * Sets the receive limit of a `ws` (Node) socket on its parser: `ws` checks its private
 * `_receiver._maxPayload` on each frame header, before it buffers the payload. Returns false
 * where there is no such field (browsers, Node's global WebSocket, a `ws` without it): the
 * transport then checks each message when it arrives. A test in each WebSocket package fails if
 * `ws` drops the field. @internal
 */
export function setWsReceiveLimit(socket: unknown, limit: number): boolean {
  const receiver = (socket as { _receiver?: { _maxPayload?: unknown } | null })._receiver
  if (receiver == null || typeof receiver._maxPayload !== 'number') return false
  receiver._maxPayload = limit
  return true
}

/** The error to report for a close by the peer (or the network); none for a clean close. @internal */
export function closeError(code: number, reason: string, socketError: Error | undefined): Error | undefined {
  if (socketError) return socketError
  if (code === 1000 || code === 1001 || code === 1005) return undefined
  if (code === 1006) return new TransportError('connection lost (closed without a closing handshake)')
  return new TransportError(`closed by peer with code ${code}${reason ? ` (${reason})` : ''}`)
}

/** Closes with `code`; where the socket refuses it (browsers), as 4000 + (code − 1000). */
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
