import * as grpc from '@grpc/grpc-js'
import type { Env, ServerInfo } from '../../types.js'
import { loadEcho } from './proto.js'

type Unary<T> = (call: grpc.ServerUnaryCall<T, T>, cb: grpc.sendUnaryData<T>) => void

/** grpc-js server with TLS (the self-signed Ed25519 certificate), unary echo methods. */
export async function startServer(env: Env): Promise<ServerInfo> {
  const Echo = loadEcho()
  const server = new grpc.Server()
  const echo: Unary<unknown> = (call, cb) => cb(null, call.request)
  server.addService(Echo.service, { Echo: echo, EchoBytes: echo })
  const creds = grpc.ServerCredentials.createSsl(null, [{ private_key: Buffer.from(env.key), cert_chain: Buffer.from(env.cert) }], false)
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', creds, (e, p) => (e ? reject(e) : resolve(p))))
  return { port }
}
