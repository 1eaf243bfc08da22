import { io } from 'socket.io-client'
import type { ClientAdapter, Conn, Env, ServerInfo } from '../../types.js'

/** socket.io-client over wss:// only (no polling first), the certificate pinned as the only CA. */
export function createClient(info: ServerInfo, env: Env): ClientAdapter {
  const url = `https://127.0.0.1:${info.port as number}`
  return {
    connect: () =>
      new Promise<Conn>((resolve, reject) => {
        const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, ca: env.cert })
        socket.once('connect', () => {
          socket.off('connect_error', reject)
          resolve({
            echo: (s) => socket.emitWithAck('echo', s) as Promise<string>,
            echoBytes: (b) => socket.emitWithAck('echoBytes', b) as Promise<Uint8Array>,
            close: () => void socket.disconnect(),
          })
        })
        socket.once('connect_error', (e) => {
          socket.disconnect()
          reject(e)
        })
      }),
  }
}
