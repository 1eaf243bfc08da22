import { connectWs } from '@kp/transport-ws-client'
import type { ClientAdapter, ServerInfo } from '../../types.js'
import { kpConn } from '../kp-api.js'

export function createClient(info: ServerInfo): ClientAdapter {
  return {
    connect: () => kpConn(connectWs(info.url as string, { serverId: info.serverId as string, reconnect: false })),
  }
}
