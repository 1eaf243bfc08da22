import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { KP_SUBPROTOCOL } from './options.js'

/** The path of a request URL, without the query string. @internal */
export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/'
  const q = url.indexOf('?')
  return q < 0 ? url : url.slice(0, q)
}

/** True when the client offered subprotocol `kp1` in `Sec-WebSocket-Protocol`. @internal */
export function offersKp1(req: IncomingMessage): boolean {
  const header = req.headers['sec-websocket-protocol']
  if (typeof header !== 'string') return false
  for (const p of header.split(',')) if (p.trim() === KP_SUBPROTOCOL) return true
  return false
}

/** Answers an upgrade request with a plain HTTP error and drops the connection. @internal */
export function refuseUpgrade(socket: Duplex, status: number, text: string, body: string): void {
  if (socket.destroyed) return
  socket.on('error', () => {})
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
  // Do not wait for a peer that never reads its answer.
  setTimeout(() => socket.destroy(), 1_000).unref()
}
