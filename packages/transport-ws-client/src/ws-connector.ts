import { AbortedError, type Connector, TimeoutError, TransportError } from '@kp/core'
import { KP_SUBPROTOCOL, resolveLimits, type WebSocketConstructorLike, type WsConnectorOptions } from './options.js'
import { WsTransport } from './ws-transport.js'
import { hostPort, parseWsUrl } from './ws-url.js'

/**
 * Builds `wsConnector` for one WebSocket implementation (the entry points pass the browser's
 * global or `ws`). `defaultWebSocket` gets the resolved limits and returns the class to use when
 * `options.WebSocket` is not given.
 * @internal
 */
export function makeWsConnector(
  url: string | URL,
  options: WsConnectorOptions,
  defaultWebSocket: (maxFrame: number) => WebSocketConstructorLike,
): Connector {
  const target = parseWsUrl(url)
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`"options" expected an object, got ${options === null ? 'null' : typeof options}`)
  }
  const { connectTimeoutMs, ...limits } = resolveLimits(options)
  if (options.WebSocket !== undefined && typeof options.WebSocket !== 'function') {
    throw new TypeError(`"options.WebSocket" expected a WebSocket constructor, got ${typeof options.WebSocket}`)
  }
  const href = target.href
  const remoteAddress = hostPort(target)
  const WebSocketClass = options.WebSocket ?? defaultWebSocket(limits.maxFrame)
  return (signal?: AbortSignal) => {
    if (signal?.aborted) return Promise.reject(new AbortedError(`connect to ${href}`, { cause: signal.reason }))
    return new Promise((resolve, reject) => {
      let socket: InstanceType<WebSocketConstructorLike>
      try {
        socket = new WebSocketClass(href, [KP_SUBPROTOCOL])
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
        resolve(new WsTransport(socket, remoteAddress, limits))
      }
    })
  }
}
