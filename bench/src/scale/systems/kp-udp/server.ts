import { SigningKey } from '@kp/core'
import { createUdpServer } from '@kp/transport-udp'
import type { ScaleServer, ScaleServerOptions } from '../../types.js'
import { kpServer, quietLogger, serverApi } from '../kp-common.js'

/** createUdpServer with its defaults. */
export async function startServer(o: ScaleServerOptions): Promise<ScaleServer> {
  const key = SigningKey.generate()
  const server = await createUdpServer(serverApi(), { key, host: o.host, port: 0, logger: quietLogger('kp-udp') })
  const stats = () => ({ ...server.listener.stats }) as unknown as Record<string, number>
  return kpServer(server, { port: server.listener.address.port, serverId: key.publicKey.toHex() }, stats)
}
