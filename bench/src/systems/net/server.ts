import { createServer } from 'node:net'
import type { ServerInfo } from '../../types.js'
import { serveEcho } from '../framing.js'

/** Plain TCP frame echo: the floor. */
export async function startServer(): Promise<ServerInfo> {
  const server = createServer({ noDelay: true }, serveEcho)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { port: (server.address() as { port: number }).port }
}
