import { createServer } from 'node:http'
import { WebSocketServer } from 'ws'
import type { ScaleServer, ScaleServerOptions } from '../../types.js'

/**
 * Plain `ws`, no crypto, no RPC, no pings: the floor. A message is `u8 kind ‖ u32 id ‖ payload`;
 * the server echoes calls (kind 1) and broadcasts kind 2 with the sequence number as the id.
 */
export async function startServer(o: ScaleServerOptions): Promise<ScaleServer> {
  const http = createServer()
  http.maxConnections = o.sessions + 1000
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false })
  wss.on('connection', (ws) => {
    ws.on('error', () => {})
    ws.on('message', (data: Buffer) => ws.send(data))
  })
  await new Promise<void>((resolve) => http.listen({ port: 0, host: o.host, backlog: 4096 }, resolve))
  return {
    info: { url: `ws://127.0.0.1:${(http.address() as { port: number }).port}/` },
    sessions: () => wss.clients.size,
    broadcast(seq) {
      const m = Buffer.alloc(5)
      m[0] = 2
      m.writeUInt32BE(seq, 1)
      let n = 0
      for (const ws of wss.clients) {
        ws.send(m)
        n++
      }
      return n
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate()
        wss.close(() => http.close(() => resolve()))
      }),
  }
}
