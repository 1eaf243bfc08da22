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
            // events pushed by the server: a slow reader keeps them in a queue (no backpressure)
            stream: (count, size, each, signal) =>
              new Promise<number>((done, fail) => {
                const queue: Uint8Array[] = []
                let received = 0
                let read = 0
                let ended = false
                let reading = false
                const finish = () => {
                  socket.off('item', onItem)
                  socket.off('itemsEnd', onEnd)
                  signal?.removeEventListener('abort', onAbort)
                  done(read)
                }
                const drain = async () => {
                  if (reading) return
                  reading = true
                  while (queue.length > 0) {
                    const item = queue.shift()!
                    read++
                    if (each) {
                      const r = each(item)
                      if (r) await r
                    }
                    if (signal?.aborted) return finish()
                  }
                  reading = false
                  if (ended) finish()
                }
                const onItem = (b: Uint8Array) => {
                  received++
                  if (!each) {
                    read++
                    if (count !== 0 && read === count && ended) finish()
                    return
                  }
                  queue.push(b)
                  drain().catch(fail)
                }
                const onEnd = () => {
                  ended = true
                  if (!each || (!reading && queue.length === 0)) finish()
                }
                const onAbort = () => {
                  socket.emit('stopItems')
                  finish()
                }
                socket.on('item', onItem)
                socket.on('itemsEnd', onEnd)
                signal?.addEventListener('abort', onAbort, { once: true })
                socket.emit('items', { count, size })
                void received
              }),
          })
        })
        socket.once('connect_error', (e) => {
          socket.disconnect()
          reject(e)
        })
      }),
  }
}
