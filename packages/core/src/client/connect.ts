import type { Connector } from '../transport/transport.js'
import type { ConnectOptions } from './connect-options.js'
import { KiloClient } from './kilo-client.js'

/**
 * Connects to a server through a transport connector and returns the client at once; it
 * connects in the background (await `client.ready()` to wait).
 * @example
 * const client = connect(tcpConnector({ host: '127.0.0.1', port: 8080 }), { serverId })
 * await client.call(cmdPing, 'hello')
 */
export function connect<S = unknown>(connector: Connector, options?: ConnectOptions<S>): KiloClient<S> {
  return new KiloClient<S>(connector, options)
}
