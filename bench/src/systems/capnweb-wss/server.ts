import { createServer } from 'node:https'
import { newWebSocketRpcSession, RpcTarget } from 'capnweb'
import { WebSocket, WebSocketServer } from 'ws'
import type { Env, ServerInfo } from '../../types.js'

// capnweb reads `WebSocket.CONNECTING` from the global, which Node 20 does not have.
;(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket

class EchoApi extends RpcTarget {
  echo(s: string): string {
    return s
  }
  echoBytes(b: Uint8Array): Uint8Array {
    return b
  }
  /** `count` items of `size` bytes (0: endless), as a pull-based ReadableStream: capnweb pumps it with its flow control. */
  items(count: number, size: number): ReadableStream<Uint8Array> {
    const item = new Uint8Array(size).fill(7)
    let i = 0
    return new ReadableStream<Uint8Array>({
      pull(ctl) {
        if (count !== 0 && i >= count) ctl.close()
        else {
          i++
          ctl.enqueue(item)
        }
      },
    })
  }
}

/** capnweb's Node.js WebSocket server recipe (README "HTTP server on Node.js"), over HTTPS (TLS 1.3). */
export async function startServer(env: Env): Promise<ServerInfo> {
  const https = createServer({ key: env.key, cert: env.cert, minVersion: 'TLSv1.3' })
  const wss = new WebSocketServer({ server: https })
  wss.on('connection', (ws) => {
    ws.on('error', () => {})
    newWebSocketRpcSession(ws as never, new EchoApi())
  })
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve))
  return { port: (https.address() as { port: number }).port }
}
