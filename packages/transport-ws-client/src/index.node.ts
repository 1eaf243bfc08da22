/**
 * Kiloparsec over WebSocket, client side — Node entry (the `node` export condition): the same
 * API as the browser entry, on the `ws` package.
 */
import type { Connector, KiloClient } from '@kp/core'
import WebSocket from 'ws'
import { type ConnectWsOptions, connectWith } from './connect-ws.js'
import type { WebSocketConstructorLike, WsConnectorOptions } from './options.js'
import { makeWsConnector } from './ws-connector.js'

export type { ConnectWsOptions } from './connect-ws.js'
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_FRAME,
  KP_SUBPROTOCOL,
  type WebSocketConstructorLike,
  type WebSocketLike,
  type WsConnectorOptions,
} from './options.js'
export { WsTransport } from './ws-transport.js'

function nodeWebSocket(maxFrame: number): WebSocketConstructorLike {
  // No compression (the frames are ciphertext), no ws-level pings (core's PING does liveness);
  // the connect timeout is the connector's own, so the error is the same in every runtime.
  return class KpNodeWebSocket extends WebSocket {
    constructor(url: string, protocols: string[]) {
      super(url, protocols, { maxPayload: maxFrame, perMessageDeflate: false })
    }
  } as unknown as WebSocketConstructorLike
}

/**
 * A {@link Connector} that opens a WebSocket with subprotocol `kp1` to `url` (`ws://` or
 * `wss://`). Each call (every reconnect) opens a new socket; it rejects with `TimeoutError` after
 * `connectTimeoutMs`, `AbortedError` when `signal` aborts, `TransportError` when the server
 * cannot be reached or refuses the upgrade.
 *
 * @example
 * const client = connect(wsConnector('wss://example.com/kp'), { serverId })
 */
export function wsConnector(url: string | URL, options: WsConnectorOptions = {}): Connector {
  return makeWsConnector(url, options, nodeWebSocket)
}

/**
 * Connects a Kiloparsec client over WebSocket: `connect(wsConnector(url, options), options)`.
 *
 * @example
 * const client = connectWs('ws://localhost:8080/kp', { serverId: 'ed25519 public key hex' })
 * await client.call(cmdPing, 'hello')
 */
export function connectWs(url: string | URL, options?: ConnectWsOptions): KiloClient {
  return connectWith(wsConnector, url, options)
}
