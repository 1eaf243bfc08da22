/** Kiloparsec over WebSocket, server side (Node.js, on `ws`). */
export { type CreateWsServerOptions, createWsServer, type WsKiloServer } from './create-ws-server.js'
export { DEFAULT_MAX_FRAME, DEFAULT_PATH, KP_SUBPROTOCOL, type PerMessageDeflateOptions, type WsListenerOptions } from './options.js'
export { type WsListener, wsListener } from './ws-listener.js'
