import { createServer } from 'node:net'
import SecretStream from '@hyperswarm/secret-stream'
import c from 'compact-encoding'
import ProtomuxRPC from 'protomux-rpc'
import type { ServerInfo } from '../../types.js'

/** @hyperswarm/secret-stream (Noise XX, libsodium secretstream) over TCP, protomux-rpc on top. */
export async function startServer(): Promise<ServerInfo> {
  const keyPair = SecretStream.keyPair()
  const server = createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => {})
    const stream = new SecretStream(false, socket, { keyPair })
    stream.on('error', () => {})
    const rpc = new ProtomuxRPC(stream)
    rpc.respond('echo', { valueEncoding: c.string }, (s: string) => s)
    rpc.respond('echoBytes', { valueEncoding: c.buffer }, (b: Buffer) => b)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { port: (server.address() as { port: number }).port, serverKey: keyPair.publicKey.toString('hex') }
}
