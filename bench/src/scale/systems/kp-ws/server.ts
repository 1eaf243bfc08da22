import { SigningKey } from '@kp/core'
import { createWsServer } from '@kp/transport-ws-server'
import type { ScaleServer, ScaleServerOptions } from '../../types.js'
import { kpServer, quietLogger, serverApi } from '../kp-common.js'

/** createWsServer (plain ws://: every session is end-to-end encrypted) with a connection limit sized to the run. */
export async function startServer(o: ScaleServerOptions): Promise<ScaleServer> {
  const key = SigningKey.generate()
  const server = await createWsServer(serverApi(), { key, host: o.host, port: 0, maxConnections: o.sessions + 1000, logger: quietLogger('kp-ws') })
  return kpServer(server, { url: server.url, serverId: key.publicKey.toHex() })
}
