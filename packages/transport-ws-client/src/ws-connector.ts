import { AbortedError, type Connector, TimeoutError, TransportError } from '@kp/core'
import { KP_SUBPROTOCOL, WebSocketTransport, webSocketLimits } from '@kp/core/transport'
import type { WebSocketConstructorLike, WsConnectorOptions } from './options.js'
import { hostPort, parseWsUrl } from './ws-url.js'

/** How an entry point finds its default WebSocket class, given the resolved `maxFrame`. @internal */
export type DefaultWebSocket = (maxFrame: number) => WebSocketConstructorLike | Promise<WebSocketConstructorLike>

/**
 * Builds `wsConnector` for one WebSocket implementation (the entry points pass the browser's
 * global or `ws`). `defaultWebSocket` is asked on the first connect, when `options.WebSocket` is
 * not given; a failure there fails that connect with `TransportError` `'kp.ConnectFailed'`.
 * @internal
 */
export function makeWsConnector(url: string | URL, options: WsConnectorOptions, defaultWebSocket: DefaultWebSocket): Connector {
  const target = parseWsUrl(url)
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`"options" expected an object, got ${options === null ? 'null' : typeof options}`)
  }
  const limits = webSocketLimits(options)
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000
  if (typeof connectTimeoutMs !== 'number') throw new TypeError(`"connectTimeoutMs" expected a number, got ${typeof connectTimeoutMs}`)
  if (!Number.isSafeInteger(connectTimeoutMs) || connectTimeoutMs <= 0) {
    throw new RangeError(`"connectTimeoutMs" expected a positive integer, got ${connectTimeoutMs}`)
  }
  if (options.WebSocket !== undefined && typeof options.WebSocket !== 'function') {
    throw new TypeError(`"options.WebSocket" expected a WebSocket constructor, got ${typeof options.WebSocket}`)
  }
  const href = target.href
  const remoteAddress = hostPort(target)
  let WebSocketClass: WebSocketConstructorLike | Promise<WebSocketConstructorLike> | undefined = options.WebSocket
  return async (signal?: AbortSignal) => {
    if (signal?.aborted) throw new AbortedError(`connect to ${href}`, { cause: signal.reason })
    let WS: WebSocketConstructorLike
    try {
      WS = await (WebSocketClass ??= defaultWebSocket(limits.maxFrame))
    } catch (e) {
      WebSocketClass = undefined
      throw new TransportError(`cannot connect to ${href}: ${(e as Error)?.message ?? e}`, { code: 'kp.ConnectFailed', cause: e })
    }
    return open(WS, href, remoteAddress, limits, connectTimeoutMs, signal)
  }
}

function open(
  WS: WebSocketConstructorLike,
  href: string,
  remoteAddress: string,
  options: ConstructorParameters<typeof WebSocketTransport>[2],
  connectTimeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<WebSocketTransport> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortedError(`connect to ${href}`, { cause: signal.reason }))
      return
    }
    let socket: InstanceType<WebSocketConstructorLike>
    try {
      socket = new WS(href, [KP_SUBPROTOCOL])
    } catch (e) {
      reject(new TransportError(`cannot connect to ${href}: ${(e as Error)?.message ?? e}`, { code: 'kp.ConnectFailed', cause: e }))
      return
    }
    socket.binaryType = 'arraybuffer'
    let cause: unknown
    const settle = (error: Error | null) => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      socket.onopen = socket.onerror = socket.onclose = null
      if (!error) return
      try {
        socket.close()
      } catch {
        // not open yet in some implementations: nothing to close
      }
      // `ws` may still emit an error while it aborts the handshake; nobody must be left unhandled.
      socket.onerror = () => {}
      reject(error)
    }
    const onAbort = () => settle(new AbortedError(`connect to ${href}`, { cause: signal?.reason }))
    const timer = setTimeout(() => settle(new TimeoutError(`connect to ${href}`, connectTimeoutMs)), connectTimeoutMs)
    signal?.addEventListener('abort', onAbort, { once: true })
    socket.onerror = (event) => {
      cause = event?.error ?? cause
    }
    socket.onclose = (event) => {
      const c = cause as { code?: string; message?: string } | undefined
      const refused = c?.code === 'ECONNREFUSED' || /Unexpected server response/.test(c?.message ?? '')
      const detail = c?.message ?? (event.code === 1006 ? 'connection failed' : `closed with code ${event.code}`)
      settle(
        new TransportError(`cannot connect to ${href}: ${detail}`, {
          code: refused ? 'kp.ConnectionRefused' : 'kp.ConnectFailed',
          cause,
        }),
      )
    }
    socket.onopen = () => {
      if (socket.protocol !== KP_SUBPROTOCOL) {
        settle(
          new TransportError(`cannot connect to ${href}: the server did not accept subprotocol "${KP_SUBPROTOCOL}"`, {
            code: 'kp.ConnectionRefused',
          }),
        )
        return
      }
      settle(null)
      resolve(new WebSocketTransport(socket, remoteAddress, options))
    }
  })
}
