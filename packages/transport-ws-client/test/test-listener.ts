import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Transport, TransportListener } from '@kp/core'
import { WebSocketServer } from 'ws'
import { WebSocketTransport } from '@kp/core/transport'

/**
 * A minimal Kiloparsec WebSocket listener for this package's tests, built from `ws` and core's
 * {@link WebSocketTransport} (the real server, `@kp/transport-ws-server`, has this package as a
 * dev dependency, so the tests here cannot depend on it).
 */
export async function testListener(
  options: { server?: Server; path?: string; maxFrame?: number } = {},
): Promise<TransportListener & { url: string; server: Server }> {
  const path = options.path ?? '/kp'
  const server = options.server ?? createServer((_req, res) => res.writeHead(404).end())
  if (!server.listening) {
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
  }
  const port = (server.address() as AddressInfo).port
  const wss = new WebSocketServer({
    server,
    path,
    perMessageDeflate: false,
    maxPayload: options.maxFrame ?? 16 * 1024 * 1024,
    handleProtocols: (p) => (p.has('kp1') ? 'kp1' : false),
  })
  let accept: ((t: Transport) => void) | null = null
  wss.on('connection', (ws, req) => {
    const t = new WebSocketTransport(ws as never, `${req.socket.remoteAddress}:${req.socket.remotePort}`, {
      maxFrame: options.maxFrame ?? 16 * 1024 * 1024,
      maxBuffered: 64 * 1024 * 1024,
    })
    if (accept) accept(t)
    else t.close(new Error('no handler'))
  })
  return {
    url: `ws://127.0.0.1:${port}${path}`,
    server,
    address: { host: '127.0.0.1', port },
    onConnection(cb) {
      accept = cb
    },
    async close() {
      wss.close()
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    },
  }
}
