import { createServer } from 'node:tls'
import type { Env, ServerInfo } from '../../types.js'
import { serveEcho } from '../framing.js'

/** TLS 1.3 frame echo (same framing as `net`), self-signed Ed25519 certificate. */
export async function startServer(env: Env): Promise<ServerInfo> {
  const server = createServer({ key: env.key, cert: env.cert, minVersion: 'TLSv1.3' }, serveEcho)
  server.on('tlsClientError', () => {})
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { port: (server.address() as { port: number }).port }
}
