import { isIP, connect as netConnect } from 'node:net'
import { type Connector, type Transport, TransportError } from '@kp/core'
import { checkHostPort, checkInt, type SocketTransportOptions, socketLimits } from './options.js'
import { SocketTransport } from './socket-transport.js'

/** Options of {@link tcpConnector}. */
export interface TcpConnectorOptions extends SocketTransportOptions {
  /** Server host name or address. Default `'127.0.0.1'`. */
  host?: string
  /** Server port. */
  port: number
  /** A connect that has not completed by then fails with `TransportError` `'kp.ConnectTimeout'`. Default 10 000 ms. */
  connectTimeoutMs?: number
  /**
   * Local address to connect from (Node's `localAddress`), e.g. one of several loopback or
   * interface addresses when one source address runs out of ephemeral ports. Default: the
   * kernel's choice.
   */
  localAddress?: string
}

/**
 * A {@link Connector} that opens one TCP connection per call (core calls it again to reconnect).
 * Fails with `TransportError`: `'kp.ConnectionRefused'` when nothing listens, `'kp.ConnectTimeout'`,
 * or `'kp.Transport'` for other socket errors; with the signal's reason when aborted.
 *
 * @example
 * const client = connect(tcpConnector({ host: 'example.org', port: 4040 }), { serverId })
 */
export function tcpConnector(options: TcpConnectorOptions): Connector {
  const { host, port } = checkHostPort(options, '127.0.0.1')
  const limits = socketLimits(options)
  const timeoutMs = checkInt('connectTimeoutMs', options.connectTimeoutMs ?? 10_000, 1, 2 ** 31 - 1)
  const localAddress = options.localAddress
  if (localAddress !== undefined && (typeof localAddress !== 'string' || isIP(localAddress) === 0)) {
    throw new TypeError(
      `"localAddress" expected an IP address string, got ${typeof localAddress === 'string' ? JSON.stringify(localAddress) : typeof localAddress}`,
    )
  }
  return (signal?: AbortSignal) =>
    new Promise<Transport>((resolve, reject) => {
      signal?.throwIfAborted()
      const socket = netConnect({ host, port, noDelay: true, allowHalfOpen: false, ...(localAddress === undefined ? {} : { localAddress }) })
      const done = (error: Error | null) => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        socket.off('error', onError)
        if (error) {
          socket.destroy()
          reject(error)
        } else resolve(new SocketTransport(socket, limits))
      }
      const onError = (e: NodeJS.ErrnoException) => {
        const code = e.code === 'ECONNREFUSED' ? 'kp.ConnectionRefused' : 'kp.Transport'
        done(new TransportError(`cannot connect to ${host}:${port}: ${e.code ?? e.message}`, { code, cause: e }))
      }
      const onAbort = () => done(signal!.reason)
      const timer = setTimeout(
        () => done(new TransportError(`cannot connect to ${host}:${port}: no answer within ${timeoutMs} ms`, { code: 'kp.ConnectTimeout' })),
        timeoutMs,
      )
      socket.once('error', onError)
      socket.once('connect', () => done(null))
      signal?.addEventListener('abort', onAbort, { once: true })
    })
}
