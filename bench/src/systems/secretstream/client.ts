import { connect } from 'node:net'
import SecretStream from '@hyperswarm/secret-stream'
import c from 'compact-encoding'
import ProtomuxRPC from 'protomux-rpc'
import type { ClientAdapter, Conn, ServerInfo } from '../../types.js'

/** The client end: the server's Noise static key is checked against the expected one (pinned). */
export function createClient(info: ServerInfo): ClientAdapter {
  const expected = Buffer.from(info.serverKey as string, 'hex')
  return {
    async connect(): Promise<Conn> {
      const socket = connect({ host: '127.0.0.1', port: info.port as number, noDelay: true })
      socket.on('error', () => {})
      const stream = new SecretStream(true, socket)
      stream.on('error', () => {})
      const rpc = new ProtomuxRPC(stream)
      const opened = new Promise<void>((resolve, reject) => {
        stream.once('error', reject)
        stream.once('close', () => reject(new Error('closed')))
        stream.opened.then((ok: boolean) => (ok ? resolve() : reject(new Error('handshake failed'))), reject)
      })
      let pinned: Promise<void> | null = opened.then(() => {
        if (!expected.equals(stream.remotePublicKey)) throw new Error('server key mismatch')
        pinned = null
      })
      pinned.catch(() => stream.destroy())
      return {
        async echo(s) {
          if (pinned) await pinned
          return rpc.request('echo', s, { valueEncoding: c.string })
        },
        async echoBytes(b) {
          if (pinned) await pinned
          return rpc.request('echoBytes', b, { valueEncoding: c.buffer })
        },
        close: () => void stream.destroy(),
      }
    },
  }
}
