import { connectUdp } from '@kp/transport-udp'
import type { ClientAdapter, ServerInfo } from '../../types.js'
import { kpConn } from '../kp-api.js'

export function createClient(info: ServerInfo): ClientAdapter {
  return {
    connect: () => kpConn(connectUdp({ host: '127.0.0.1', port: info.port as number, serverId: info.serverId as string, reconnect: false })),
  }
}
