import type { Server as HttpServer } from 'node:http'
import type { Server as HttpsServer } from 'node:https'
import type { ZlibOptions } from 'node:zlib'
import type { MemoryBudget } from '@kp/core'
import { webSocketLimits } from '@kp/core/transport'

export { DEFAULT_WS_MAX_FRAME as DEFAULT_MAX_FRAME, KP_SUBPROTOCOL } from '@kp/core/transport'

/** Default path of the Kiloparsec endpoint. */
export const DEFAULT_PATH = '/kp'

/**
 * WebSocket compression options, passed to `ws` as they are (its `PerMessageDeflateOptions`;
 * declared here so this package's types need no `@types/ws`).
 */
export interface PerMessageDeflateOptions {
  serverNoContextTakeover?: boolean
  clientNoContextTakeover?: boolean
  serverMaxWindowBits?: number
  clientMaxWindowBits?: number
  zlibDeflateOptions?: ZlibOptions
  zlibInflateOptions?: ZlibOptions
  /** Messages smaller than this, bytes, are not compressed. */
  threshold?: number
  /** Concurrent calls to zlib. */
  concurrencyLimit?: number
}

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
  /**
   * Open connections at most. Own server (`port`): TCP connections of any kind (upgraded or
   * not); attached (`server`): this endpoint's WebSocket sessions. An upgrade beyond it is
   * accepted and answered REJECT `Full` ("server full", PROTOCOL.md 4.7), then closed, so the
   * client retries with backoff; beyond 1 024 more, a connection is dropped at once (own
   * server) or its upgrade answered 503 (attached). Default 10 000.
   */
  maxConnections?: number
  /**
   * Own server only: a connection that has not completed its WebSocket upgrade this long after
   * it opened (a raw socket that never sends a byte, a slow request) is destroyed; the server's
   * `headersTimeout` and `requestTimeout` are set to it too. Core's handshake timeout starts
   * after the upgrade. Default 10 000 ms.
   */
  upgradeTimeoutMs?: number
  /**
   * Largest request head (request line and headers) of an upgrade, bytes. Own server: the HTTP
   * parser's `maxHeaderSize` (431 beyond it); attached: checked on the upgrade request (431).
   * Default 16 384 (Node's own default).
   */
  maxHeaderSize?: number
}

/** Resolved options. @internal */
export interface ResolvedListenerOptions {
  path: string
  maxFrame: number
  maxBuffered: number
  memoryBudget: MemoryBudget
  perMessageDeflate: boolean | PerMessageDeflateOptions
  maxConnections: number
  upgradeTimeoutMs: number
  maxHeaderSize: number
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
  if (hasServer && options.upgradeTimeoutMs !== undefined) {
    throw new TypeError(`"upgradeTimeoutMs" only applies with "port": an attached server's own headersTimeout and requestTimeout apply`)
  }
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
  return {
    path,
    ...webSocketLimits(options),
    perMessageDeflate: options.perMessageDeflate ?? false,
    maxConnections: intIn(options.maxConnections ?? 10_000, 'maxConnections', 1, 2 ** 30),
    upgradeTimeoutMs: intIn(options.upgradeTimeoutMs ?? 10_000, 'upgradeTimeoutMs', 1, 2 ** 31 - 1),
    maxHeaderSize: intIn(options.maxHeaderSize ?? 16_384, 'maxHeaderSize', 1024, 1024 * 1024),
  }
}

function intIn(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number') throw new TypeError(`"${name}" expected a number, got ${typeof value}`)
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`"${name}" expected an integer ${min}..${max}, got ${value}`)
  return value
}
