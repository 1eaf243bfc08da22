export { udpListener, type UdpListener, type UdpListenerOptions, type UdpListenerStats } from './udp-listener.js'
export { udpConnector, type UdpConnector, type UdpConnectorOptions, type UdpConnectorStats } from './udp-connector.js'
export { MAX_UDP_PAYLOAD, UDP_DEFAULTS, type UdpCommonOptions } from './options.js'
export type { RoutingStats } from './address-table.js'
