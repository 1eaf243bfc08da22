import { newWebSocketRpcSession } from 'capnweb'
import WebSocket from 'ws'
import type { ClientAdapter, Env, ServerInfo } from '../../types.js'

interface EchoApi {
  echo(s: string): string
  echoBytes(b: Uint8Array): Uint8Array
}

// capnweb reads `WebSocket.CONNECTING` from the global, which Node 20 does not have.
;(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket

/** `newWebSocketRpcSession` on a `ws` client socket to wss://, the certificate pinned as the only CA. */
export function createClient(info: ServerInfo, env: Env): ClientAdapter {
  const url = `wss://127.0.0.1:${info.port as number}/`
  return {
    async connect() {
      const ws = new WebSocket(url, { ca: env.cert })
      const api = newWebSocketRpcSession<EchoApi>(ws as never)
      return {
        echo: (s) => api.echo(s) as unknown as Promise<string>,
        echoBytes: (b) => api.echoBytes(b) as unknown as Promise<Uint8Array>,
        close: () => {
          api[Symbol.dispose]()
          ws.terminate()
        },
      }
    },
  }
}
