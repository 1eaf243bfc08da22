import { connect } from 'node:net'
import type { ClientAdapter, ServerInfo } from '../../types.js'
import { FramedConn } from '../framing.js'

export function createClient(info: ServerInfo): ClientAdapter {
  return {
    connect: () =>
      new Promise((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port: info.port as number, noDelay: true })
        s.once('connect', () => {
          s.off('error', reject)
          resolve(new FramedConn(s))
        })
        s.once('error', reject)
      }),
  }
}
