/**
 * Kiloparsec over WebSocket, client side — Node entry (the `node` export condition): the same
 * API as the browser entry. It uses the `ws` package (an optional peer dependency) when it is
 * installed, else Node's global `WebSocket` (Node 22+; Node 20 with `--experimental-websocket`).
 */
import type { Connector, KiloClient } from '@kp/core'
import { type ConnectWsOptions, connectWith } from './connect-ws.js'
import type { WebSocketConstructorLike, WsConnectorOptions } from './options.js'
import { makeWsConnector } from './ws-connector.js'

export * from './entry.js'

type WsClass = new (url: string, protocols: string[], options: { maxPayload: number; perMessageDeflate: boolean }) => object

async function nodeWebSocket(maxFrame: number): Promise<WebSocketConstructorLike> {
  const ws = await import('ws').then(
    (m) => (m.default ?? m) as unknown as WsClass,
    () => null,
  )
  if (ws !== null) {
    // No compression (the frames are ciphertext), no ws-level pings (core's PING does liveness);
    // the connect timeout is the connector's own, so the error is the same in every runtime.
    return class KpNodeWebSocket extends ws {
      constructor(url: string, protocols: string[]) {
        super(url, protocols, { maxPayload: maxFrame, perMessageDeflate: false })
      }
    } as unknown as WebSocketConstructorLike
  }
  const global = (globalThis as { WebSocket?: WebSocketConstructorLike }).WebSocket
  if (typeof global === 'function') return global
  throw new TypeError('no WebSocket implementation: install "ws" (npm install ws), run Node 22 or later, or pass options.WebSocket')
}

/**
 * A {@link Connector} that opens a WebSocket with subprotocol `kp1` to `url` (`ws://` or
 * `wss://`). Each call (every reconnect) opens a new socket; it rejects with `TimeoutError` after
 * `connectTimeoutMs`, `AbortedError` when `signal` aborts, `TransportError` when the server
 * cannot be reached or refuses the upgrade (or no WebSocket implementation is available).
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
