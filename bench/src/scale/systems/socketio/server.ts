import { createServer } from 'node:http'
import { Server } from 'socket.io'
import type { ScaleServer, ScaleServerOptions } from '../../types.js'

/** socket.io 4 on plain HTTP (ws://, like kp-ws), WebSocket transport only; its defaults otherwise (ping every 25 s). */
export async function startServer(o: ScaleServerOptions): Promise<ScaleServer> {
  const http = createServer()
  http.maxConnections = o.sessions + 1000
  const io = new Server(http, { transports: ['websocket'], serveClient: false })
  io.on('connection', (socket) => {
    socket.on('echo', (s: string, ack: (s: string) => void) => ack(s))
  })
  await new Promise<void>((resolve) => http.listen({ port: 0, host: o.host, backlog: 4096 }, resolve))
  return {
    info: { port: (http.address() as { port: number }).port },
    sessions: () => io.engine.clientsCount,
    broadcast(seq) {
      io.emit('news', seq)
      return io.engine.clientsCount
    },
    close: () => new Promise<void>((resolve) => io.close(() => resolve())),
  }
}
