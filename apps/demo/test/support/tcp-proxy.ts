import { once } from 'node:events'
import { createServer, type Server, Socket } from 'node:net'

/** A TCP proxy on 127.0.0.1 for tests: forwards to `targetPort`, and can be restarted (every connection through it dies). */
export interface TcpProxy {
  readonly port: number
  /** Connections made through the proxy so far. */
  readonly connections: number
  /** Destroys every connection and stops listening for `downMs`, then listens again on the same port. */
  restart(downMs: number): Promise<void>
  close(): Promise<void>
}

export async function tcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  let connections = 0
  const make = (): Server =>
    createServer((client) => {
      connections++
      const upstream = new Socket()
      sockets.add(client)
      sockets.add(upstream)
      const drop = () => {
        client.destroy()
        upstream.destroy()
        sockets.delete(client)
        sockets.delete(upstream)
      }
      client.on('error', drop).on('close', drop)
      upstream.on('error', drop).on('close', drop)
      upstream.connect(targetPort, '127.0.0.1', () => {
        client.pipe(upstream)
        upstream.pipe(client)
      })
    })
  let server = make()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as { port: number }).port
  const stop = async () => {
    for (const s of sockets) s.destroy()
    sockets.clear()
    await new Promise<void>((r) => server.close(() => r()))
  }
  return {
    port,
    get connections() {
      return connections
    },
    async restart(downMs) {
      await stop()
      await new Promise((r) => setTimeout(r, downMs))
      server = make()
      server.listen(port, '127.0.0.1')
      await once(server, 'listening')
    },
    close: stop,
  }
}
