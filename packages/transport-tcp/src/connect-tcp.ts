import { type ConnectOptions, connect, type KiloClient } from '@kp/core'
import { tcpConnector, type TcpConnectorOptions } from './tcp-connector.js'

/** Options of {@link connectTcp}: core's connect options plus the server's address. */
export type ConnectTcpOptions<S> = ConnectOptions<S> & TcpConnectorOptions

/**
 * Connects to a Kiloparsec server over TCP: `tcpConnector` + core's `connect` in one call. Returns
 * the client at once; it connects (and reconnects) in the background.
 *
 * @example
 * const client = connectTcp({ host: '127.0.0.1', port: 4040, serverId: 'the server key' })
 * console.log(await client.call(cmdPing, 'hello'))
 */
export function connectTcp<S = unknown>(options: ConnectTcpOptions<S>): KiloClient<S> {
  const { host, port, maxFrame, maxBuffered, memoryBudget, connectTimeoutMs, localAddress, ...connectOptions } = options ?? ({} as ConnectTcpOptions<S>)
  return connect<S>(tcpConnector({ host, port, maxFrame, maxBuffered, memoryBudget, connectTimeoutMs, localAddress } as TcpConnectorOptions), connectOptions)
}
