/**
 * The framing of the raw baselines (`net`, `tls`): `u32 big-endian length ‖ payload` on the byte
 * stream. The payload's first byte says what it is (0 = UTF-8 string, 1 = bytes) so one
 * connection carries both kinds of echo; the server echoes whole frames.
 */
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import type { Conn } from '../types.js'

const STRING = 0
const BYTES = 1

/** Splits a byte stream into frames; calls `onFrame` with each payload (a view, valid during the call). */
export class FrameReader {
  /** Chunks of an incomplete frame, and their total length. */
  private parts: Buffer[] = []
  private have = 0
  /** Length of the frame being collected (header included), 0 while unknown. */
  private need = 0

  constructor(private readonly onFrame: (payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    if (this.have > 0) {
      this.parts.push(chunk)
      this.have += chunk.length
      if (this.need === 0 && this.have >= 4) this.need = 4 + Buffer.concat(this.parts).readUInt32BE(0)
      if (this.need === 0 || this.have < this.need) return
      chunk = Buffer.concat(this.parts, this.have)
      this.parts = []
      this.have = 0
      this.need = 0
    }
    let off = 0
    while (chunk.length - off >= 4) {
      const len = chunk.readUInt32BE(off)
      if (chunk.length - off - 4 < len) break
      this.onFrame(chunk.subarray(off + 4, off + 4 + len))
      off += 4 + len
    }
    if (off < chunk.length) {
      const rest = chunk.subarray(off)
      this.parts.push(rest)
      this.have = rest.length
      this.need = rest.length >= 4 ? 4 + rest.readUInt32BE(0) : 0
    }
  }
}

/** One frame: header and payload in one buffer. */
export function frame(kind: number, body: Uint8Array | string): Buffer {
  const len = typeof body === 'string' ? Buffer.byteLength(body) : body.length
  const out = Buffer.allocUnsafe(5 + len)
  out.writeUInt32BE(len + 1, 0)
  out[4] = kind
  if (typeof body === 'string') out.write(body, 5)
  else out.set(body, 5)
  return out
}

/** Server side: echo every frame; the answers to one read go out in one write. */
export function serveEcho(socket: Socket | TLSSocket): void {
  socket.setNoDelay(true)
  socket.on('error', () => {})
  const out: Buffer[] = []
  const reader = new FrameReader((payload) => {
    const f = Buffer.allocUnsafe(4 + payload.length)
    f.writeUInt32BE(payload.length, 0)
    payload.copy(f, 4)
    out.push(f)
  })
  socket.on('data', (chunk: Buffer) => {
    reader.push(chunk)
    if (out.length === 1) socket.write(out[0]!)
    else if (out.length > 1) socket.write(Buffer.concat(out))
    out.length = 0
  })
}

/** Client side: request/response over the framing; answers come back in order. Frames sent in one tick leave in one write. */
export class FramedConn implements Conn {
  private readonly waiting: { resolve: (b: Buffer) => void; reject: (e: Error) => void }[] = []
  private head = 0
  private error: Error | null = null

  constructor(private readonly socket: Socket | TLSSocket) {
    socket.setNoDelay(true)
    const reader = new FrameReader((payload) => {
      const w = this.waiting[this.head++]
      if (this.head > 4096) {
        this.waiting.splice(0, this.head)
        this.head = 0
      }
      w?.resolve(payload)
    })
    socket.on('data', (chunk: Buffer) => reader.push(chunk))
    const fail = (e?: Error) => {
      this.error ??= e ?? new Error('connection closed')
      for (let i = this.head; i < this.waiting.length; i++) this.waiting[i]!.reject(this.error)
      this.waiting.length = 0
      this.head = 0
    }
    socket.on('error', fail)
    socket.on('close', () => fail())
  }

  /** Frames of this tick, written together when it ends (one writev, as any tuned client would). */
  private out: Buffer[] = []
  private readonly flush = () => {
    const out = this.out
    this.out = []
    if (this.error) return
    if (out.length === 1) {
      this.socket.write(out[0]!)
      return
    }
    this.socket.cork()
    for (const f of out) this.socket.write(f)
    this.socket.uncork()
  }

  private call(f: Buffer): Promise<Buffer> {
    if (this.error) return Promise.reject(this.error)
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject })
      if (this.out.push(f) === 1) process.nextTick(this.flush)
    })
  }

  async echo(s: string): Promise<string> {
    const p = await this.call(frame(STRING, s))
    return p.toString('utf8', 1)
  }

  async echoBytes(b: Uint8Array): Promise<Uint8Array> {
    const p = await this.call(frame(BYTES, b))
    return p.subarray(1)
  }

  close(): void {
    this.socket.destroy()
  }
}
