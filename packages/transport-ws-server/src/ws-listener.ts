import { createServer, type Server as HttpServer, type IncomingMessage } from 'node:http'
import { Server as HttpsServer } from 'node:https'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { type Transport, TransportError, type TransportListener } from '@kp/core'
import { type WebSocketLike, WebSocketTransport } from '@kp/core/transport'
import { type PerMessageDeflateOptions as WsPerMessageDeflateOptions, WebSocketServer } from 'ws'
import { ConnectionLimits, REFUSE_MARGIN } from './connection-limits.js'
import { KP_SUBPROTOCOL, type ResolvedListenerOptions, resolveListenerOptions, type WsListenerOptions } from './options.js'
import { offersKp1, pathOf, refuseUpgrade } from './upgrade.js'

/** A Kiloparsec WebSocket listener: hand it to core's `serve`. */
export interface WsListener extends TransportListener {
  /** The HTTP(S) server the endpoint lives on (the one passed in, or the one started). */
  readonly server: HttpServer | HttpsServer
  /** The endpoint's URL, e.g. `ws://127.0.0.1:8080/kp` (a wildcard address shows as `localhost`). */
  readonly url: string
  /** Connections counted against `maxConnections` (own server: TCP connections; attached: WebSocket sessions). */
  readonly connectionCount: number
  /** Connections beyond `maxConnections`, upgraded and answered REJECT `Full` ("server full"). */
  readonly refusedCount: number
  /** Connections dropped because `maxConnections` + 1 024 was reached (own server: destroyed; attached: 503). */
  readonly droppedCount: number
  /** Own server: connections destroyed because they had not upgraded within `upgradeTimeoutMs`. */
  readonly upgradeTimeouts: number
}

/**
 * Accepts Kiloparsec connections over WebSocket (subprotocol `kp1`, one binary message per
 * frame). With `{ port, host? }` it starts its own HTTP server, which answers plain HTTP with
 * 404/426; with `{ server }` it attaches to an existing `http`/`https` server and takes only
 * upgrades on `path`, so an app serves its pages and the endpoint on one port.
 *
 * Limits for peers that never finish a handshake: own server: at most `maxConnections` TCP
 * connections (more are destroyed at once), each destroyed if not upgraded within
 * `upgradeTimeoutMs`, request heads of at most `maxHeaderSize`. Attached: at most
 * `maxConnections` WebSocket sessions (503 beyond) and upgrade heads of at most `maxHeaderSize`
 * (431); raw connections are the server's to bound (its `maxConnections`, `headersTimeout`,
 * `requestTimeout`, `maxHeaderSize`), since this listener cannot tell them from the app's.
 *
 * Upgrades are refused with 404 on another path (unless another `'upgrade'` listener of the
 * server is there to take them) and with 400 when the client does not offer `kp1`.
 * `close()` stops accepting (own server: closes the listening socket); open connections are
 * core's to close.
 *
 * @example
 * const listener = await wsListener({ port: 8080 })
 * const server = serve(listener, api, { key })
 */
export async function wsListener(options: WsListenerOptions): Promise<WsListener> {
  const o = resolveListenerOptions(options)
  const own = options.server === undefined
  const limits = new ConnectionLimits(o.maxConnections, o.upgradeTimeoutMs)
  const server: HttpServer | HttpsServer = options.server ?? ownServer(o, limits)
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: o.maxFrame,
    // our structural type has zlib's option types; `ws` declares a narrower copy of them
    perMessageDeflate: o.perMessageDeflate as boolean | WsPerMessageDeflateOptions,
    handleProtocols: (protocols) => (protocols.has(KP_SUBPROTOCOL) ? KP_SUBPROTOCOL : false),
  })
  let accept: ((t: Transport) => void) | null = null
  let closed = false

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (closed) return
    if (own) limits.upgraded(req.socket)
    if (pathOf(req) !== o.path) {
      if (own || server.listenerCount('upgrade') <= 1) refuseUpgrade(socket, 404, 'Not Found', 'Not Found\n')
      return
    }
    if (!offersKp1(req)) {
      refuseUpgrade(socket, 400, 'Bad Request', `WebSocket subprotocol "${KP_SUBPROTOCOL}" required\n`)
      return
    }
    if (headSize(req) > o.maxHeaderSize) {
      refuseUpgrade(socket, 431, 'Request Header Fields Too Large', 'Request Header Fields Too Large\n')
      return
    }
    // beyond maxConnections the upgrade still happens, so that core can say "server full" (REJECT 4)
    let full = false
    if (own) full = limits.overLimit()
    else {
      const verdict = limits.admitSession(socket)
      if (verdict === 'drop') {
        refuseUpgrade(socket, 503, 'Service Unavailable', 'Too many connections\n')
        return
      }
      full = verdict === 'full'
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      // 'nodebuffer': messages arrive as views of the read buffer, no copy
      const t = new WebSocketTransport(ws as unknown as WebSocketLike, remoteOf(req), { ...o, binaryType: 'nodebuffer' })
      if (full) t.refusal = 'full'
      if (closed) t.close()
      else if (accept) accept(t)
      else t.close(new TransportError('listener has no connection handler'))
    })
  }
  server.on('upgrade', onUpgrade)

  if (own) {
    try {
      await listen(server, options.port ?? 0, options.host)
    } catch (e) {
      server.off('upgrade', onUpgrade)
      const err = e as NodeJS.ErrnoException
      throw new TransportError(`cannot listen on ${options.host ?? '*'}:${options.port}: ${err.message}`, {
        code: err.code === 'EADDRINUSE' ? 'kp.AddressInUse' : 'kp.Listen',
        cause: e,
      })
    }
  }

  const address = () => {
    const a = server.address()
    if (a && typeof a === 'object') return { host: a.address, port: a.port }
    return { host: typeof a === 'string' ? a : '', port: 0 }
  }
  let closing: Promise<void> | null = null
  return {
    server,
    get connectionCount() {
      return limits.open
    },
    get droppedCount() {
      return limits.dropped
    },
    get refusedCount() {
      return limits.refused
    },
    get upgradeTimeouts() {
      return limits.timeouts
    },
    get address() {
      return address()
    },
    get url() {
      const { host, port } = address()
      const h = host === '' || host === '::' || host === '0.0.0.0' ? 'localhost' : host.includes(':') ? `[${host}]` : host
      return `${server instanceof HttpsServer ? 'wss' : 'ws'}://${h}:${port}${o.path}`
    },
    get isClosed() {
      return closing !== null
    },
    onConnection(cb) {
      accept = cb
    },
    close() {
      closing ??= (async () => {
        closed = true
        server.off('upgrade', onUpgrade)
        wss.close()
        if (own) {
          // The listening socket closes now; upgraded connections stay until core closes them,
          // so do not wait for the server's 'close' event (it waits for every connection).
          server.close(() => {})
          server.closeIdleConnections()
          await new Promise((r) => setImmediate(r))
        }
      })()
      return closing
    },
  }
}

function listen(server: HttpServer, port: number, host: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e)
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve()
    })
  })
}

/** The HTTP server a listener starts: plain requests get 404/426 and the connection closes. */
function ownServer(o: ResolvedListenerOptions, limits: ConnectionLimits): HttpServer {
  const server = createServer(
    {
      maxHeaderSize: o.maxHeaderSize,
      headersTimeout: o.upgradeTimeoutMs,
      requestTimeout: o.upgradeTimeoutMs,
      connectionsCheckingInterval: Math.min(o.upgradeTimeoutMs, 1_000),
    },
    (req, res) => {
      const onPath = pathOf(req) === o.path
      res.writeHead(onPath ? 426 : 404, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' })
      res.end(onPath ? `Kiloparsec endpoint: connect with a WebSocket, subprotocol "${KP_SUBPROTOCOL}"\n` : 'Not Found\n')
    },
  )
  // beyond maxConnections upgrades are answered "server full"; beyond the margin, dropped at once
  server.maxConnections = o.maxConnections + REFUSE_MARGIN
  server.on('drop', () => limits.dropped++)
  server.on('connection', (socket: Socket) => limits.opened(socket))
  return server
}

/** Request line and headers of `req`, bytes (about: what the parser read). */
function headSize(req: IncomingMessage): number {
  let n = (req.method?.length ?? 0) + (req.url?.length ?? 0) + 12
  const raw = req.rawHeaders
  for (let i = 0; i < raw.length; i++) n += raw[i]!.length + 2
  return n
}

function remoteOf(req: IncomingMessage): string {
  const a = req.socket.remoteAddress ?? 'unknown'
  return `${a.includes(':') ? `[${a}]` : a}:${req.socket.remotePort ?? 0}`
}
