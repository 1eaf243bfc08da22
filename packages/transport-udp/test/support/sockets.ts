import { createSocket, type Socket } from 'node:dgram'
import type { Transport } from '@kp/core'

/** A raw UDP socket on 127.0.0.1 (or ::1) that records what it receives. */
export interface RawPeer {
  socket: Socket
  port: number
  received: Buffer[]
  send(bytes: Uint8Array, port: number, host?: string): Promise<void>
  next(): Promise<Buffer>
  close(): Promise<void>
}

export async function rawPeer(host = '127.0.0.1'): Promise<RawPeer> {
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4')
  await new Promise<void>((r) => socket.bind(0, host, r))
  const received: Buffer[] = []
  let waiter: ((b: Buffer) => void) | null = null
  socket.on('message', (m) => {
    if (waiter) {
      const w = waiter
      waiter = null
      w(m)
    } else received.push(m)
  })
  return {
    socket,
    port: socket.address().port,
    received,
    send: (bytes, port, to = host) => new Promise<void>((r, j) => socket.send(bytes, port, to, (e) => (e ? j(e) : r()))),
    next: () => {
      const m = received.shift()
      return m ? Promise.resolve(m) : new Promise<Buffer>((r) => (waiter = r))
    },
    close: () => new Promise<void>((r) => socket.close(() => r())),
  }
}

let seq = 0
/** A HELLO-shaped frame (type 1, 256 bytes) that differs from every other one made here. */
export function helloFrame(): Uint8Array {
  const h = new Uint8Array(256)
  h[0] = 1
  h[1] = 4
  new DataView(h.buffer).setUint32(2, ++seq)
  return h
}

/** A frame of `type` and `length` bytes, filled with a pattern. */
export function frameOf(type: number, length = 32, fill = 0xab): Uint8Array {
  const f = new Uint8Array(length).fill(fill)
  f[0] = type
  return f
}

/** Collects a transport's frames and its close report. */
export function collect(t: Transport) {
  const frames: Uint8Array[] = []
  let closes = 0
  let closeError: Error | undefined
  let onFrame: (() => void) | null = null
  let resolveClosed!: (e: Error | undefined) => void
  const closed = new Promise<Error | undefined>((r) => (resolveClosed = r))
  t.setHandlers({
    frame(f) {
      frames.push(f)
      onFrame?.()
    },
    close(e) {
      closes++
      closeError = e
      resolveClosed(e)
    },
  })
  return {
    frames,
    closed,
    get closes() {
      return closes
    },
    get closeError() {
      return closeError
    },
    /** Resolves once `n` frames have arrived. */
    async frameCount(n: number): Promise<Uint8Array[]> {
      while (frames.length < n) await new Promise<void>((r) => (onFrame = r))
      return frames
    },
  }
}

/** The next transport the listener accepts. */
export function acceptQueue(listener: { onConnection(cb: (t: Transport) => void): void }) {
  const queue: Transport[] = []
  let waiter: ((t: Transport) => void) | null = null
  listener.onConnection((t) => {
    if (waiter) {
      const w = waiter
      waiter = null
      w(t)
    } else queue.push(t)
  })
  return {
    queue,
    next: (): Promise<Transport> => {
      const t = queue.shift()
      return t ? Promise.resolve(t) : new Promise((r) => (waiter = r))
    },
  }
}

export async function ipv6Available(): Promise<boolean> {
  const s = createSocket('udp6')
  try {
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject)
      s.bind(0, '::1', () => resolve())
    })
    return true
  } catch {
    return false
  } finally {
    try {
      s.close()
    } catch {}
  }
}
