import { type ConnectOptions, connect, type KiloClient } from '@kp/core'
import { type UdpConnectorOptions, udpConnector } from './udp-connector.js'

/** Options of {@link connectUdp}: core's connect options plus the server's host and port. */
export type ConnectUdpOptions<S> = ConnectOptions<S> & UdpConnectorOptions

/**
 * Connects to a Kiloparsec UDP server in one line (core's `connect` over {@link udpConnector});
 * returns the client at once, `await client.ready()` to wait for the handshake.
 *
 * @example
 * const client = connectUdp({ host: '127.0.0.1', port: 4000, serverId })
 * console.log(await client.call(cmdPing, 'hello'))
 */
export function connectUdp<S = unknown>(options: ConnectUdpOptions<S>): KiloClient<S> {
  return connect<S>(udpConnector(options), options)
}
