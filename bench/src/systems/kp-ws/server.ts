import { SigningKey } from '@kp/core'
import { createWsServer } from '@kp/transport-ws-server'
import type { ServerInfo } from '../../types.js'
import { echoApi } from '../kp-api.js'

/** Plain ws:// on purpose: every Kiloparsec connection is already end-to-end encrypted and pinned. */
export async function startServer(): Promise<ServerInfo> {
  const key = SigningKey.generate()
  const server = await createWsServer(echoApi(), { key, host: '127.0.0.1', port: 0 })
  return { url: server.url, serverId: key.publicKey.toHex() }
}
