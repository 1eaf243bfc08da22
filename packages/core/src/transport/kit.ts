/**
 * `@kp/core/transport`: what a transport package builds on. {@link TransportBase} keeps the
 * contract's bookkeeping (early frames, close once, receive limits, output bounds) so a transport
 * only moves bytes; {@link WebSocketTransport} is the whole transport over a WHATWG-like
 * WebSocket. The contract itself is in `transport.ts`; its test suite is `@kp/core/testing`.
 */
export type { Connector, Transport, TransportHandlers, TransportListener } from './transport.js'
export { TransportCode, type TransportCodeValue } from './transport-codes.js'
export {
  DEFAULT_MAX_EARLY_BYTES,
  DEFAULT_MAX_EARLY_FRAMES,
  DEFAULT_OUTPUT_ALLOWANCE,
  TransportBase,
  type TransportBaseOptions,
  type TransportDropStats,
} from './transport-base.js'
export {
  DEFAULT_WS_MAX_FRAME,
  KP_SUBPROTOCOL,
  setWsReceiveLimit,
  WebSocketTransport,
  type WebSocketLike,
  type WebSocketLimitOptions,
  type WebSocketTransportOptions,
  webSocketCloseCode,
  webSocketLimits,
} from './websocket-transport.js'
