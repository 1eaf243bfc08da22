import * as grpc from '@grpc/grpc-js'
import type { Env, ServerInfo } from '../../types.js'
import { loadEcho } from './proto.js'

type Unary<T> = (call: grpc.ServerUnaryCall<T, T>, cb: grpc.sendUnaryData<T>) => void

/** grpc-js server with TLS (the self-signed Ed25519 certificate), unary echo methods. */
export async function startServer(env: Env): Promise<ServerInfo> {
  const Echo = loadEcho()
  const server = new grpc.Server()
  const echo: Unary<unknown> = (call, cb) => cb(null, call.request)
  // server streaming as grpc-js documents it: write until write() returns false, then wait for 'drain'
  const items = async (call: grpc.ServerWritableStream<{ count: number; size: number }, { b: Buffer }>) => {
    const { count, size } = call.request
    const msg = { b: Buffer.alloc(size, 7) }
    let cancelled = false
    call.once('cancelled', () => {
      cancelled = true
    })
    for (let i = 0; (count === 0 || i < count) && !cancelled; i++) {
      if (!call.write(msg)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            call.off('drain', done)
            call.off('cancelled', done)
            call.off('error', done)
            resolve()
          }
          call.on('drain', done)
          call.on('cancelled', done)
          call.on('error', done)
        })
      }
    }
    if (!cancelled) call.end()
  }
  server.addService(Echo.service, {
    Echo: echo,
    EchoBytes: echo,
    Items: (call: grpc.ServerWritableStream<{ count: number; size: number }, { b: Buffer }>) => {
      items(call).catch(() => call.destroy())
    },
  })
  const creds = grpc.ServerCredentials.createSsl(null, [{ private_key: Buffer.from(env.key), cert_chain: Buffer.from(env.cert) }], false)
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', creds, (e, p) => (e ? reject(e) : resolve(p))))
  return { port }
}
