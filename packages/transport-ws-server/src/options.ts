import type { Server as HttpServer } from 'node:http'
import type { Server as HttpsServer } from 'node:https'
import type { MemoryBudget } from '@kp/core'
import { webSocketLimits } from '@kp/core/transport'
import type { PerMessageDeflateOptions } from 'ws'

export { DEFAULT_WS_MAX_FRAME as DEFAULT_MAX_FRAME, KP_SUBPROTOCOL } from '@kp/core/transport'

/** Default path of the Kiloparsec endpoint. */
export const DEFAULT_PATH = '/kp'

/** Options of {@link wsListener}: either `port` (own HTTP server) or `server` (attach). */
export interface WsListenerOptions {
  /** Port of an HTTP server this listener starts; 0 picks a free one. Exclusive with `server`. */
  port?: number
  /** Interface to bind with `port`. Default: all interfaces (Node's default). */
  host?: string
  /**
   * An existing `http`/`https` server to attach to (it may serve pages on the same port). Only
   * upgrades on `path` are taken; the server is not closed by `close()`. Exclusive with `port`.
   */
  server?: HttpServer | HttpsServer
  /** Path of the endpoint; the query string is ignored. Default `'/kp'`. */
  path?: string
  /** Largest frame (WebSocket message) accepted or sent, bytes. Default 16 MiB. */
  maxFrame?: number
  /**
   * Bytes queued towards a peer that does not read before its connection is closed with
   * `TransportError` code `'kp.SlowPeer'`. Default `maxFrame + 32 MiB` (48 MiB).
   */
  maxBuffered?: number
  /**
   * Budget shared with the process's other connections for what they hold unsent beyond 64 KiB
   * each; when it refuses, that connection closes with `TransportError` code `'kp.MemoryBudget'`.
   * Default: `@kp/core`'s `processMemoryBudget()` (256 MiB).
   */
  memoryBudget?: MemoryBudget
  /** WebSocket compression. Default `false`: frames are ciphertext and do not compress. */
  perMessageDeflate?: boolean | PerMessageDeflateOptions
}

/** Resolved options. @internal */
export interface ResolvedListenerOptions {
  path: string
  maxFrame: number
  maxBuffered: number
  memoryBudget: MemoryBudget
  perMessageDeflate: boolean | PerMessageDeflateOptions
}

/** Validates {@link WsListenerOptions} at the public boundary. @internal */
export function resolveListenerOptions(options: WsListenerOptions): ResolvedListenerOptions {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`"options" expected an object, got ${options === null ? 'null' : typeof options}`)
  }
  const hasServer = options.server !== undefined
  const hasPort = options.port !== undefined
  if (hasServer === hasPort) {
    throw new TypeError(`wsListener expected exactly one of "port" (start a server) or "server" (attach to one)`)
  }
  if (hasServer && (typeof options.server !== 'object' || typeof options.server?.on !== 'function')) {
    throw new TypeError(`"server" expected an http.Server or https.Server, got ${typeof options.server}`)
  }
  if (hasServer && options.host !== undefined) throw new TypeError(`"host" only applies with "port", not with "server"`)
  if (hasPort) {
    if (typeof options.port !== 'number') throw new TypeError(`"port" expected a number, got ${typeof options.port}`)
    if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65_535) {
      throw new RangeError(`"port" expected an integer 0..65535, got ${options.port}`)
    }
  }
  if (options.host !== undefined && typeof options.host !== 'string') {
    throw new TypeError(`"host" expected a string, got ${typeof options.host}`)
  }
  const path = options.path ?? DEFAULT_PATH
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new TypeError(`"path" expected a string starting with "/", got ${JSON.stringify(path)}`)
  }
  return { path, ...webSocketLimits(options), perMessageDeflate: options.perMessageDeflate ?? false }
}
