import { SigningKey } from '@kp/core'
import { createTcpServer } from '@kp/transport-tcp'
import type { ServerInfo } from '../../types.js'
import { echoApi } from '../kp-api.js'

export async function startServer(): Promise<ServerInfo> {
  const key = SigningKey.generate()
  const server = await createTcpServer(echoApi(), { key, host: '127.0.0.1', port: 0 })
  return { port: server.address.port, serverId: key.publicKey.toHex() }
}
