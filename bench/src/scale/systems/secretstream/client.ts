import { connect as netConnect } from 'node:net'
import SecretStream from '@hyperswarm/secret-stream'
import c from 'compact-encoding'
import ProtomuxRPC from 'protomux-rpc'
import type { ScaleConn, ScaleConnectOptions, ScaleInfo } from '../../types.js'
import { KEEP_ALIVE_MS } from './server.js'

const PAYLOAD = '0123456789abcdef'

export async function connect(info: ScaleInfo, o: ScaleConnectOptions): Promise<ScaleConn> {
  const expected = Buffer.from(info.serverKey as string, 'hex')
  const socket = netConnect({ host: '127.0.0.1', port: info.port as number, localAddress: o.localAddress, noDelay: true })
  socket.on('error', () => {})
  const stream = new SecretStream(true, socket, { keepAlive: KEEP_ALIVE_MS })
  stream.on('error', () => {})
  const rpc = new ProtomuxRPC(stream)
  rpc.respond('news', { valueEncoding: c.uint }, (seq: number) => {
    o.onPush(seq)
  })
  try {
    const ok = await Promise.race([
      stream.opened as Promise<boolean>,
      new Promise<boolean>((_, reject) => stream.once('close', () => reject(new Error('closed before opening')))),
    ])
    if (!ok) throw new Error('handshake failed')
    if (!expected.equals(stream.remotePublicKey)) throw new Error('server key mismatch')
    const call = async () => {
      if ((await rpc.request('echo', PAYLOAD, { valueEncoding: c.string })) !== PAYLOAD) throw new Error('bad echo')
    }
    await call()
    return { call, close: () => void stream.destroy() }
  } catch (e) {
    stream.destroy()
    throw e
  }
}
