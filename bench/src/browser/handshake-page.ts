/**
 * The page of the browser handshake benchmark (bundled by esbuild for Chromium): one connect to
 * the first answer, per call, for Kiloparsec and for socket.io. Node drives it through
 * `window.kpBench` and keeps the statistics.
 */
import { bp, command } from '@kp/core'
import { connectWs } from '@kp/transport-ws-client'
import { io } from 'socket.io-client'

const cmdPing = command('ping', bp.string, bp.string)

/** Connect, first call answered: ms. Then close (not timed). */
async function kp(url: string, serverId: string): Promise<number> {
  const t0 = performance.now()
  const client = connectWs(url, { serverId, reconnect: false })
  await client.call(cmdPing, 'x')
  const ms = performance.now() - t0
  await client.close()
  return ms
}

/** socket.io over WebSocket only (no polling first), a fresh manager: connect, first ack: ms. */
async function sio(url: string): Promise<number> {
  const t0 = performance.now()
  const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false })
  await socket.emitWithAck('ping', 'x')
  const ms = performance.now() - t0
  socket.disconnect()
  return ms
}

;(globalThis as { kpBench?: unknown }).kpBench = { kp, sio }
document.title = 'ready'
