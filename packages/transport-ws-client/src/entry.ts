/** What both entry points export besides `wsConnector` and `connectWs`. @internal */
export type { ConnectWsOptions } from './connect-ws.js'
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_FRAME,
  KP_SUBPROTOCOL,
  type WebSocketConstructorLike,
  type WebSocketLike,
  type WsConnectorOptions,
} from './options.js'
/** The transport over an open WebSocket (`WebSocketTransport` of `@kp/core/transport`). */
export { WebSocketTransport as WsTransport } from '@kp/core/transport'
