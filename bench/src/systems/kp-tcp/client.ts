import { connectTcp } from '@kp/transport-tcp'
import type { ClientAdapter, ServerInfo } from '../../types.js'
import { kpConn } from '../kp-api.js'

/** `connectTcp` with the server's key pinned; no reconnects (a drop is a failure). */
export function createClient(info: ServerInfo): ClientAdapter {
  return {
    connect: () => kpConn(connectTcp({ host: '127.0.0.1', port: info.port as number, serverId: info.serverId as string, reconnect: false })),
  }
}
