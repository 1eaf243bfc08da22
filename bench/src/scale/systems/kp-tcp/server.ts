import { SigningKey } from '@kp/core'
import { createTcpServer } from '@kp/transport-tcp'
import type { ScaleServer, ScaleServerOptions } from '../../types.js'
import { kpServer, quietLogger, serverApi } from '../kp-common.js'

/** createTcpServer with its defaults, except a connection limit sized to the run. */
export async function startServer(o: ScaleServerOptions): Promise<ScaleServer> {
  const key = SigningKey.generate()
  const server = await createTcpServer(serverApi(), { key, host: o.host, port: 0, maxConnections: o.sessions + 1000, logger: quietLogger('kp-tcp') })
  return kpServer(server, { port: server.address.port, serverId: key.publicKey.toHex() })
}
