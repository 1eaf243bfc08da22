import { SigningKey } from '@kp/core'
import { createUdpServer } from '@kp/transport-udp'
import type { ServerInfo } from '../../types.js'
import { echoApi } from '../kp-api.js'

export async function startServer(): Promise<ServerInfo> {
  const key = SigningKey.generate()
  const server = await createUdpServer(echoApi(), { key, host: '127.0.0.1', port: 0 })
  return { port: server.listener.address.port, serverId: key.publicKey.toHex() }
}
