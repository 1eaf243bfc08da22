import { io } from 'socket.io-client'
import type { ScaleConn, ScaleConnectOptions, ScaleInfo } from '../../types.js'

const PAYLOAD = '0123456789abcdef'

export function connect(info: ScaleInfo, o: ScaleConnectOptions): Promise<ScaleConn> {
  return new Promise<ScaleConn>((resolve, reject) => {
    const socket = io(`http://127.0.0.1:${info.port as number}`, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      localAddress: o.localAddress,
      timeout: 20_000,
    } as never)
    socket.on('news', (seq: number) => o.onPush(seq))
    socket.once('connect', async () => {
      socket.off('connect_error', reject)
      const call = async () => {
        if ((await socket.timeout(30_000).emitWithAck('echo', PAYLOAD)) !== PAYLOAD) throw new Error('bad echo')
      }
      try {
        await call()
        resolve({ call, close: () => void socket.disconnect() })
      } catch (e) {
        socket.disconnect()
        reject(e)
      }
    })
    socket.once('connect_error', (e) => {
      socket.disconnect()
      reject(e)
    })
  })
}
