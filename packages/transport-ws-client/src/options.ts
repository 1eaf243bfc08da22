import type { WebSocketLike, WebSocketLimitOptions } from '@kp/core/transport'

export type { WebSocketLike } from '@kp/core/transport'
export { DEFAULT_WS_MAX_FRAME as DEFAULT_MAX_FRAME, KP_SUBPROTOCOL } from '@kp/core/transport'

/** Default connect timeout (TCP + TLS + HTTP upgrade), ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000

/** A constructor like the global `WebSocket`: `new WebSocket(url, protocols)`. */
export type WebSocketConstructorLike = new (url: string, protocols: string[]) => WebSocketLike

/**
 * Options of `wsConnector` and the WebSocket transport:
 * - `maxFrame`: largest frame sent or accepted, bytes; must match the server's. Default 16 MiB.
 * - `maxBuffered`: bytes queued by `send` and not yet written before the connection closes with
 *   `TransportError` code `'kp.SlowPeer'`. Default `maxFrame + 32 MiB` (48 MiB).
 * - `memoryBudget`: budget shared with the process's other connections for what they hold
 *   unsent beyond 64 KiB each (`'kp.MemoryBudget'` when it refuses). Default `@kp/core`'s
 *   `processMemoryBudget()`.
 */
export interface WsConnectorOptions extends WebSocketLimitOptions {
  /** Time allowed to open the WebSocket (TCP, TLS, HTTP upgrade), ms. Default 10 000. */
  connectTimeoutMs?: number
  /**
   * The WebSocket class to use instead of the default (the global `WebSocket` in browsers; in
   * Node `ws` when it is installed, else Node's global `WebSocket`), e.g. a `ws` subclass with
   * TLS options for a private CA.
   */
  WebSocket?: WebSocketConstructorLike
}
