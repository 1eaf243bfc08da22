import { type KiloInterface, type KiloServer, type ServeOptions, serve } from '@kp/core'
import type { WsListenerOptions } from './options.js'
import { type WsListener, wsListener } from './ws-listener.js'

/** Options of {@link createWsServer}: the listener's plus core's `serve` options. */
export type CreateWsServerOptions<S> = WsListenerOptions & ServeOptions<S>

/** A running Kiloparsec WebSocket server. */
export type WsKiloServer<S> = KiloServer<S> & {
  /** Where the HTTP server listens. */
  readonly address: { host: string; port: number }
  /** The endpoint's URL, e.g. `ws://127.0.0.1:8080/kp`. */
  readonly url: string
  /** The HTTP(S) server the endpoint lives on. */
  readonly httpServer: WsListener['server']
}

/**
 * Serves `iface` over WebSocket in one line: `serve(await wsListener(options), iface, options)`.
 * `close()` stops accepting, closes every session and, if it started its own HTTP server, that
 * server's listening socket.
 *
 * @example
 * const server = await createWsServer(api, { port: 8080, key: SigningKey.generate() })
 * console.log(`listening on ${server.url}, server id ${key.publicKey.toHex()}`)
 */
export async function createWsServer<S>(iface: KiloInterface<S>, options: CreateWsServerOptions<S>): Promise<WsKiloServer<S>> {
  const { port, host, server, path, maxFrame, maxBuffered, memoryBudget, perMessageDeflate, maxConnections, upgradeTimeoutMs, maxHeaderSize, ...serveOptions } =
    options ?? ({} as never)
  const given = { port, host, server, path, maxFrame, maxBuffered, memoryBudget, perMessageDeflate, maxConnections, upgradeTimeoutMs, maxHeaderSize }
  // only the options given: wsListener tells "not given" from "given as undefined" for port/server
  const listenerOptions = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as WsListenerOptions
  const listener = await wsListener(listenerOptions)
  let kilo: KiloServer<S>
  try {
    kilo = serve(listener, iface, serveOptions as ServeOptions<S>)
  } catch (e) {
    await listener.close()
    throw e
  }
  return Object.defineProperties(kilo, {
    address: { get: () => listener.address, enumerable: true },
    url: { get: () => listener.url, enumerable: true },
    httpServer: { value: listener.server, enumerable: true },
  }) as WsKiloServer<S>
}
