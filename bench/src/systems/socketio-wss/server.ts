import { createServer } from 'node:https'
import { Server } from 'socket.io'
import type { Env, ServerInfo } from '../../types.js'

/** socket.io 4 on HTTPS (TLS 1.3), WebSocket transport only, as its performance guide suggests. */
export async function startServer(env: Env): Promise<ServerInfo> {
  const https = createServer({ key: env.key, cert: env.cert, minVersion: 'TLSv1.3' })
  const io = new Server(https, { transports: ['websocket'], serveClient: false })
  io.on('connection', (socket) => {
    socket.on('echo', (s: string, ack: (s: string) => void) => ack(s))
    socket.on('echoBytes', (b: Buffer, ack: (b: Buffer) => void) => ack(b))
    // events have no backpressure: the server emits as fast as it can, 256 KiB of items per turn
    // of its event loop (so its own I/O still runs), until it sent them all or the client says stop
    let streaming = 0
    socket.on('items', ({ count, size }: { count: number; size: number }) => {
      const run = ++streaming
      const item = Buffer.alloc(size, 7)
      const batch = Math.max(1, Math.floor((256 * 1024) / Math.max(size, 16)))
      let i = 0
      const pump = () => {
        if (run !== streaming || !socket.connected) return
        for (let k = 0; k < batch && (count === 0 || i < count); k++, i++) socket.emit('item', item)
        if (count !== 0 && i >= count) socket.emit('itemsEnd')
        else setImmediate(pump)
      }
      pump()
    })
    socket.on('stopItems', () => {
      streaming++
    })
  })
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve))
  return { port: (https.address() as { port: number }).port }
}
