import { connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect, createServer as createTlsServer } from 'node:tls'
import type { Transport } from '@kp/core'
import { socketLimits } from '../src/options.js'
import { SocketTransport } from '../src/socket-transport.js'
import { tcpListener } from '../src/tcp-listener.js'
import type { WireCountingConn } from '../../../scripts/bench/measure.js'

/** The baselines: a frame echo with the same framing (PROTOCOL.md 8), over plain TCP or TLS 1.3. */

const limits = socketLimits({})

// The echo has no handshake: both ends take frames up to maxFrame at once.
const echo = (t: Transport) => {
  t.authenticated?.()
  t.setHandlers({ frame: (f) => t.send(f), close() {} })
}

/** Plain TCP frame echo server; resolves with its port. */
export async function startNetEcho(): Promise<number> {
  const l = await tcpListener({ host: '127.0.0.1', port: 0 })
  l.onConnection(echo)
  return l.address.port
}

/** TLS 1.3 frame echo server; resolves with its port. */
export function startTlsEcho(key: string, cert: string): Promise<number> {
  const server = createTlsServer({ key, cert, minVersion: 'TLSv1.3' }, (socket) => echo(new SocketTransport(socket, limits)))
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)))
}

/** One client connection of any of the systems measured (counts its TCP payload bytes). */
export type BenchConn = WireCountingConn

/** A request/response client over the frame echo (answers come back in order). */
class EchoConn implements BenchConn {
  private readonly waiting: ((f: Uint8Array) => void)[] = []
  private head = 0
  constructor(
    private readonly transport: Transport,
    private readonly raw: Socket,
  ) {
    transport.authenticated?.()
    transport.setHandlers({
      frame: (f) => {
        const r = this.waiting[this.head++]!
        if (this.head > 1024) {
          this.waiting.splice(0, this.head)
          this.head = 0
        }
        r(f)
      },
      close() {},
    })
  }
  call(payload: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve) => {
      this.waiting.push(resolve)
      this.transport.send(payload)
    })
  }
  close(): void {
    this.transport.close()
  }
  wireBytes(): number {
    return this.raw.bytesRead + this.raw.bytesWritten
  }
}

/** A raw TCP socket to 127.0.0.1:port, Nagle off. */
export function rawConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: '127.0.0.1', port, noDelay: true })
    s.once('connect', () => resolve(s))
    s.once('error', reject)
  })
}

export async function openNetEcho(port: number): Promise<BenchConn> {
  const raw = await rawConnect(port)
  return new EchoConn(new SocketTransport(raw, limits), raw)
}

/** TLS 1.3 without session resumption (every connect is a full handshake), the cert pinned with `ca`. */
export async function openTlsEcho(port: number, ca: string): Promise<BenchConn> {
  const raw = await rawConnect(port)
  const tls = tlsConnect({ socket: raw, ca, servername: 'localhost', minVersion: 'TLSv1.3' })
  await new Promise<void>((resolve, reject) => {
    tls.once('secureConnect', resolve)
    tls.once('error', reject)
  })
  return new EchoConn(new SocketTransport(tls, limits), raw)
}
