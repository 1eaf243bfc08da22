/** The WebSocket subprotocol of Kiloparsec wire version 1 (PROTOCOL.md 8). */
export const KP_SUBPROTOCOL = 'kp1'

/** Default largest frame: 16 MiB (PROTOCOL.md 7). */
export const DEFAULT_MAX_FRAME = 16 * 1024 * 1024

/** Default connect timeout (TCP + TLS + HTTP upgrade), ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000

/**
 * The subset of the WHATWG `WebSocket` this package uses. The browser's `WebSocket` and the
 * `ws` package's `WebSocket` (client or server side) both fit.
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

/** A constructor like the global `WebSocket`: `new WebSocket(url, protocols)`. */
export type WebSocketConstructorLike = new (url: string, protocols: string[]) => WebSocketLike

/** Options of `wsConnector` and the WebSocket transport. */
export interface WsConnectorOptions {
  /** Largest frame sent or accepted, bytes. Must match the server's. Default 16 MiB. */
  maxFrame?: number
  /**
   * Bytes queued by `send` and not yet written to the network before the connection is closed
   * with `TransportError` code `'kp.SlowPeer'`. Default `max(64 MiB, 2 × maxFrame)`.
   */
  maxBuffered?: number
  /** Time allowed to open the WebSocket (TCP, TLS, HTTP upgrade), ms. Default 10 000. */
  connectTimeoutMs?: number
  /**
   * The WebSocket class to use instead of the default (the global `WebSocket` in browsers, `ws`
   * in Node), e.g. a `ws` subclass with TLS options for a private CA.
   */
  WebSocket?: WebSocketConstructorLike
}

/** Resolved transport limits. @internal */
export interface TransportLimits {
  maxFrame: number
  maxBuffered: number
}

/** Validates the numeric options at the public boundary. @internal */
export function resolveLimits(options: WsConnectorOptions): TransportLimits & { connectTimeoutMs: number } {
  const maxFrame = options.maxFrame ?? DEFAULT_MAX_FRAME
  positiveInt(maxFrame, 'maxFrame')
  const maxBuffered = options.maxBuffered ?? Math.max(64 * 1024 * 1024, 2 * maxFrame)
  positiveInt(maxBuffered, 'maxBuffered')
  if (maxBuffered < maxFrame) {
    throw new RangeError(`"maxBuffered" expected at least maxFrame (${maxFrame}), got ${maxBuffered}`)
  }
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
  positiveInt(connectTimeoutMs, 'connectTimeoutMs')
  return { maxFrame, maxBuffered, connectTimeoutMs }
}

function positiveInt(value: unknown, name: string): void {
  if (typeof value !== 'number') throw new TypeError(`"${name}" expected a number, got ${typeof value}`)
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`"${name}" expected a positive integer, got ${value}`)
  }
}
