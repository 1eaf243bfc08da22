import { newWebSocketRpcSession } from 'capnweb'
import WebSocket from 'ws'
import type { ClientAdapter, Env, ServerInfo } from '../../types.js'

interface EchoApi {
  echo(s: string): string
  echoBytes(b: Uint8Array): Uint8Array
  items(count: number, size: number): ReadableStream<Uint8Array>
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
        // a ReadableStream returned by the server: capnweb recreates it here and pumps it across
        async stream(count, size, each, signal) {
          const rs = (await api.items(count, size)) as unknown as ReadableStream<Uint8Array>
          const reader = rs.getReader()
          const onAbort = () => {
            reader.cancel().catch(() => {})
          }
          signal?.addEventListener('abort', onAbort, { once: true })
          let n = 0
          try {
            for (;;) {
              const r = await reader.read()
              if (r.done) break
              n++
              if (each) {
                const x = each(r.value)
                if (x) await x
              }
            }
          } catch (e) {
            if (!signal?.aborted) throw e
          } finally {
            signal?.removeEventListener('abort', onAbort)
          }
          return n
        },
      }
    },
  }
}
