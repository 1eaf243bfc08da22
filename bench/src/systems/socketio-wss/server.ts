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
  })
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve))
  return { port: (https.address() as { port: number }).port }
}
