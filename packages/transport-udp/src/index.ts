/**
 * @kp/transport-udp: Kiloparsec over UDP datagrams (Node.js). One socket serves every session;
 * sessions are told apart by source address and port. See README.md for what UDP does not do.
 */
export { udpListener, type UdpListener, type UdpListenerOptions, type UdpListenerStats } from './udp-listener.js'
export { udpConnector, type UdpConnector, type UdpConnectorOptions, type UdpConnectorStats } from './udp-connector.js'
export { createUdpServer, type CreateUdpServerOptions, type UdpServer } from './create-udp-server.js'
export { connectUdp, type ConnectUdpOptions } from './connect-udp.js'
export { MAX_UDP_PAYLOAD, UDP_DEFAULTS, type UdpCommonOptions } from './options.js'
export { udpClusterPrimary, type UdpClusterPrimary, type UdpClusterPrimaryOptions } from './udp-cluster-primary.js'
export type { RelayStats } from './cluster-relay.js'
export type { RoutingStats } from './address-table.js'
