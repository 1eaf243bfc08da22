/**
 * Kiloparsec over WebSocket, client side — browser (and default) entry: uses the global
 * `WebSocket`. Node resolves `./index.node.ts` instead (the `node` export condition), which uses
 * `ws` when it is installed.
 */
import type { Connector, KiloClient } from '@kp/core'
import { type ConnectWsOptions, connectWith } from './connect-ws.js'
import type { WebSocketConstructorLike, WsConnectorOptions } from './options.js'
import { makeWsConnector } from './ws-connector.js'

export * from './entry.js'

function globalWebSocket(): WebSocketConstructorLike {
  const WS = (globalThis as { WebSocket?: WebSocketConstructorLike }).WebSocket
  if (typeof WS !== 'function') {
    throw new TypeError('no global WebSocket in this environment: pass options.WebSocket, or import @kp/transport-ws-client under Node (which uses "ws")')
  }
  return WS
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
  return makeWsConnector(url, options, globalWebSocket)
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
