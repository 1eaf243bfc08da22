import { createServer } from 'node:net'
import SecretStream from '@hyperswarm/secret-stream'
import c from 'compact-encoding'
import ProtomuxRPC from 'protomux-rpc'
import type { ScaleServer, ScaleServerOptions } from '../../types.js'

/** Keep-alive of both ends, ms: the same schedule as Kiloparsec's default ping before this work. */
export const KEEP_ALIVE_MS = 10_000

/** @hyperswarm/secret-stream (Noise XX) over TCP, protomux-rpc on top; keep-alive on. */
export async function startServer(o: ScaleServerOptions): Promise<ScaleServer> {
  const keyPair = SecretStream.keyPair()
  const open = new Set<ProtomuxRPC>()
  const server = createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => {})
    const stream = new SecretStream(false, socket, { keyPair, keepAlive: KEEP_ALIVE_MS })
    stream.on('error', () => {})
    const rpc = new ProtomuxRPC(stream)
    rpc.respond('echo', { valueEncoding: c.string }, (s: string) => s)
    stream.opened.then(
      (ok: boolean) => ok && open.add(rpc),
      () => {},
    )
    stream.on('close', () => open.delete(rpc))
  })
  server.maxConnections = o.sessions + 1000
  await new Promise<void>((resolve) => server.listen({ port: 0, host: o.host, backlog: 4096 }, resolve))
  return {
    info: { port: (server.address() as { port: number }).port, serverKey: keyPair.publicKey.toString('hex') },
    sessions: () => open.size,
    broadcast(seq) {
      let n = 0
      for (const rpc of open) {
        try {
          rpc.event('news', seq, { valueEncoding: c.uint })
          n++
        } catch {
          // closed meanwhile
        }
      }
      return n
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const rpc of open) rpc.stream.destroy()
        server.close(() => resolve())
      }),
  }
}
