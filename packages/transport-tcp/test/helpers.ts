import { connect as netConnect, type Socket } from 'node:net'
import type { Transport } from '@kp/core'
import { tcpConnector, type TcpConnectorOptions } from '../src/tcp-connector.js'
import { tcpListener, type TcpListenerOptions } from '../src/tcp-listener.js'

/** What a test sees of one transport end: every frame and the close reports. */
export interface Probe {
  transport: Transport
  frames: Uint8Array[]
  closes: (Error | undefined)[]
  /** Resolves with the close reason (undefined: clean close). */
  closed: Promise<Error | undefined>
  /** Resolves once `n` frames in total have arrived. */
  frameCount(n: number): Promise<Uint8Array[]>
}

/**
 * Installs recording handlers on `transport`. `authenticated` (default true) first lifts the
 * receive limit to maxFrame, as core does once the handshake is proven; false keeps the
 * handshake-size limit of a connection that has not done its handshake.
 */
export function probe(transport: Transport, onFrame?: (f: Uint8Array, t: Transport) => void, authenticated = true): Probe {
  if (authenticated) transport.authenticated?.()
  const frames: Uint8Array[] = []
  const closes: (Error | undefined)[] = []
  const waiters: { n: number; resolve: (f: Uint8Array[]) => void }[] = []
  let onClose!: (e: Error | undefined) => void
  const closed = new Promise<Error | undefined>((r) => (onClose = r))
  transport.setHandlers({
    frame(f) {
      frames.push(f)
      onFrame?.(f, transport)
      for (const w of waiters.filter((w) => frames.length >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(frames)
      }
    },
    close(e) {
      closes.push(e)
      onClose(e)
    },
  })
  return {
    transport,
    frames,
    closes,
    closed,
    frameCount: (n) =>
      frames.length >= n
        ? Promise.resolve(frames)
        : Promise.race([
            new Promise<Uint8Array[]>((resolve) => waiters.push({ n, resolve })),
            closed.then((e) => {
              throw new Error(`closed after ${frames.length} of ${n} frames: ${e}`)
            }),
          ]),
  }
}

/** A listener on 127.0.0.1 whose accepted transports are queued for the test to take. */
export async function testListener(options: Partial<TcpListenerOptions> = {}) {
  const listener = await tcpListener({ host: '127.0.0.1', port: 0, ...options })
  const queue: Transport[] = []
  const waiting: ((t: Transport) => void)[] = []
  const all: Transport[] = []
  listener.onConnection((t) => {
    all.push(t)
    const w = waiting.shift()
    if (w) w(t)
    else queue.push(t)
  })
  return {
    listener,
    port: listener.address.port,
    /** The next accepted transport. */
    accepted: (): Promise<Transport> => {
      const t = queue.shift()
      return t ? Promise.resolve(t) : new Promise((r) => waiting.push(r))
    },
    connector: (o: Partial<TcpConnectorOptions> = {}) => tcpConnector({ host: '127.0.0.1', port: listener.address.port, ...o }),
    /** Closes every accepted transport and the listener. */
    async close() {
      for (const t of all) t.close()
      await listener.close()
    },
  }
}

export type TestListener = Awaited<ReturnType<typeof testListener>>

/** A client transport and the server end it was accepted as, both probed. */
export async function pair(l: TestListener, o: Partial<TcpConnectorOptions> = {}, echo = false) {
  const [client, server] = await Promise.all([l.connector(o)(), l.accepted()])
  return { client: probe(client), server: probe(server, echo ? (f, t) => t.send(f) : undefined) }
}

/** A raw socket to the listener (to write bytes no transport would). */
export function rawSocket(port: number, allowHalfOpen = false): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: '127.0.0.1', port, noDelay: true, allowHalfOpen })
    s.once('connect', () => resolve(s))
    s.once('error', reject)
  })
}

/** Resolves when the socket is fully closed. */
export const socketClosed = (s: Socket) => new Promise<void>((r) => (s.closed ? r() : s.once('close', () => r())))

/** Writes and waits until the kernel has the bytes, then lets the event loop turn once. */
export const writeFlushed = (s: Socket, b: Uint8Array) => new Promise<void>((resolve, reject) => s.write(b, (e) => (e ? reject(e) : setImmediate(resolve))))

export const filled = (n: number, seed: number) => {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 255
  return b
}
