import { connect } from 'node:tls'
import type { ClientAdapter, Env, ServerInfo } from '../../types.js'
import { FramedConn } from '../framing.js'

/** TLS 1.3, the server's certificate as the only trusted CA (pinned), full handshake every connect. */
export function createClient(info: ServerInfo, env: Env): ClientAdapter {
  return {
    connect: () =>
      new Promise((resolve, reject) => {
        const s = connect({
          host: '127.0.0.1',
          port: info.port as number,
          servername: 'localhost',
          ca: env.cert,
          minVersion: 'TLSv1.3',
        })
        s.once('secureConnect', () => {
          s.off('error', reject)
          resolve(new FramedConn(s))
        })
        s.once('error', reject)
      }),
  }
}
