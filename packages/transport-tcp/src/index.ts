/**
 * @kp/transport-tcp: Kiloparsec over TCP (Node.js). Frames are `smartint(length) ‖ frame` on the
 * byte stream (PROTOCOL.md 8); everything else (handshake, encryption, RPC) is `@kp/core`'s.
 */
export { tcpConnector, type TcpConnectorOptions } from './tcp-connector.js'
export { type TcpListener, tcpListener, type TcpListenerOptions } from './tcp-listener.js'
export { createTcpServer, type CreateTcpServerOptions, type TcpServer } from './create-tcp-server.js'
export { type ConnectTcpOptions, connectTcp } from './connect-tcp.js'
export type { SocketTransportOptions } from './options.js'
