import { type KiloInterface, type KiloServer, type ServeOptions, serve } from '@kp/core'
import { type UdpListener, type UdpListenerOptions, udpListener } from './udp-listener.js'

/** Options of {@link createUdpServer}: core's serve options plus where to listen. */
export type CreateUdpServerOptions<S> = ServeOptions<S> &
  UdpListenerOptions & {
    /**
     * The original library's name for `idleTimeoutMs`, in ms: a session that sent nothing for
     * this long is closed. `idleTimeoutMs` wins when both are given.
     */
    maxInactivityTimeout?: number
  }

/** A Kiloparsec server on one UDP socket. */
export interface UdpServer<S> extends KiloServer<S> {
  /** The UDP listener (bound address, drop counters). */
  readonly listener: UdpListener
}

/**
 * Serves `iface` over UDP in one line: binds the socket, then core's `serve`.
 *
 * @example
 * const server = await createUdpServer(api, { key, host: '0.0.0.0', port: 4000 })
 * console.log(server.listener.address.port, server.listener.stats)
 */
export async function createUdpServer<S>(iface: KiloInterface<S>, options: CreateUdpServerOptions<S>): Promise<UdpServer<S>> {
  const listener = await udpListener(options)
  let server: KiloServer<S>
  try {
    const idleTimeoutMs = options.idleTimeoutMs ?? options.maxInactivityTimeout
    server = serve(listener, iface, idleTimeoutMs === undefined ? options : { ...options, idleTimeoutMs })
  } catch (e) {
    await listener.close()
    throw e
  }
  return Object.assign(server, { listener })
}
