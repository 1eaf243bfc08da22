import { type KiloInterface, type KiloServer, type ServeOptions, serve } from '@kp/core'
import { tcpListener, type TcpListenerOptions } from './tcp-listener.js'

/** Options of {@link createTcpServer}: core's serve options plus where and how to listen. */
export type CreateTcpServerOptions<S> = ServeOptions<S> & TcpListenerOptions

/** A Kiloparsec server on one TCP listener. */
export type TcpServer<S> = KiloServer<S> & {
  /** Where it listens (the real port when port 0 was asked). */
  readonly address: { host: string; port: number }
}

/**
 * Listens on TCP and serves `iface` there: `tcpListener` + core's `serve` in one call. Resolves
 * once listening.
 *
 * @example
 * const key = SigningKey.generate()
 * const server = await createTcpServer(api, { key, port: 4040 })
 * console.log(server.address.port, key.publicKey.toString())
 */
export async function createTcpServer<S>(iface: KiloInterface<S>, options: CreateTcpServerOptions<S>): Promise<TcpServer<S>> {
  const { host, port, maxFrame, maxBuffered, memoryBudget, maxConnections, backlog, ...serveOptions } = options ?? ({} as CreateTcpServerOptions<S>)
  const listener = await tcpListener({ host, port, maxFrame, maxBuffered, memoryBudget, maxConnections, backlog } as TcpListenerOptions)
  let server: KiloServer<S>
  try {
    server = serve(listener, iface, serveOptions)
  } catch (e) {
    await listener.close()
    throw e
  }
  return Object.defineProperty(server, 'address', { value: listener.address, enumerable: true }) as TcpServer<S>
}
