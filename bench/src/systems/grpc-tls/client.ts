import * as grpc from '@grpc/grpc-js'
import type { ClientAdapter, Conn, Env, ServerInfo } from '../../types.js'
import { loadEcho } from './proto.js'

/**
 * One grpc-js client (channel) per connection, TLS with the certificate as the only root.
 * `grpc.use_local_subchannel_pool` gives every client its own HTTP/2 connection (grpc-js would
 * otherwise share one between clients to the same target, and a "fresh connection" would not be).
 */
export function createClient(info: ServerInfo, env: Env): ClientAdapter {
  const Echo = loadEcho()
  const target = `127.0.0.1:${info.port as number}`
  const creds = grpc.credentials.createSsl(Buffer.from(env.cert))
  const options = { 'grpc.ssl_target_name_override': 'localhost', 'grpc.use_local_subchannel_pool': 1 }
  return {
    async connect(): Promise<Conn> {
      const client = new Echo(target, creds, options) as grpc.Client & Record<string, Function>
      const unary = <T>(method: string, req: T) =>
        new Promise<T>((resolve, reject) => client[method]!(req, (e: Error | null, r: T) => (e ? reject(e) : resolve(r))))
      return {
        echo: async (s) => (await unary('Echo', { s })).s,
        echoBytes: async (b) => (await unary('EchoBytes', { b })).b,
        close: () => client.close(),
        // server streaming: the call is a Node Readable, read with for await (its backpressure)
        async stream(count, size, each, signal) {
          const call = client.Items!({ count, size }) as grpc.ClientReadableStream<{ b: Uint8Array }>
          const onAbort = () => call.cancel()
          signal?.addEventListener('abort', onAbort, { once: true })
          let n = 0
          try {
            for await (const m of call) {
              n++
              if (each) {
                const r = each(m.b)
                if (r) await r
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
