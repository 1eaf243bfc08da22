import type { Socket } from 'node:net'
import { type Transport, TransportError, type TransportHandlers } from '@kp/core'
import { FrameDecoder } from './frame-decoder.js'
import { headerSize, writeHeader } from './frame-encoder.js'
import type { SocketLimits } from './options.js'

/** Frames up to this size are copied behind their header (and their neighbours) into one buffer. */
const COPY_LIMIT = 16 * 1024
/** A closing socket that has not finished its goodbye (flush, FIN both ways) by then is destroyed. */
const CLOSE_GRACE_MS = 2_000

/**
 * A {@link Transport} over one connected `net.Socket`: `smartint(length) ‖ frame` on the byte
 * stream (PROTOCOL.md 8), Nagle off. Reading starts when core installs its handlers, so frames
 * that arrive earlier wait in the socket. Reading is never paused for write backpressure (two
 * peers sending large messages to each other would deadlock); instead the send backlog is
 * bounded by `maxBuffered`. @internal
 */
export class SocketTransport implements Transport {
  readonly reliable = true
  readonly maxFrame: number
  readonly remoteAddress: string
  private readonly socket: Socket
  private readonly maxBuffered: number
  private readonly decoder: FrameDecoder
  private handlers: TransportHandlers | null = null
  /** No more frames in or out. */
  private closed = false
  /** `handlers.close` has been (or is queued to be) called. */
  private reported = false
  private pendingClose: { error: Error | undefined } | null = null
  private graceTimer: ReturnType<typeof setTimeout> | null = null
  /** Frames sent during this tick, written when it ends. */
  private pending: Uint8Array[] = []
  /** Their bytes on the wire, headers included. */
  private pendingBytes = 0

  constructor(socket: Socket, limits: SocketLimits) {
    this.socket = socket
    this.maxFrame = limits.maxFrame
    this.maxBuffered = limits.maxBuffered
    const { remoteAddress: host, remotePort: port } = socket
    this.remoteAddress = host === undefined ? 'unknown' : host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
    this.decoder = new FrameDecoder(limits.maxFrame, (frame) => this.handlers!.frame(frame))
    socket.setNoDelay(true)
    socket.on('end', () => this.onEnd())
    socket.on('error', (e) => this.onError(e))
    socket.on('close', () => this.onClose())
  }

  /** Bytes accepted by `send` and not yet handed to the kernel (this tick's frames plus the socket's queue). */
  get bufferedAmount(): number {
    return this.socket.writableLength + this.pendingBytes
  }

  /**
   * Queues one frame; the frames of one tick leave together when it ends. Takes the array over
   * (it must not change afterwards: a large frame is written without a copy). Throws `RangeError`
   * for an empty frame or one above `maxFrame`.
   */
  send(frame: Uint8Array): void {
    if (!(frame instanceof Uint8Array)) throw new TypeError(`"frame" expected Uint8Array, got ${typeof frame}`)
    const len = frame.length
    if (len === 0 || len > this.maxFrame) {
      throw new RangeError(`"frame" expected 1 to ${this.maxFrame} bytes (maxFrame), got length=${len}`)
    }
    if (this.closed) return
    const queued = this.socket.writableLength + this.pendingBytes
    const size = headerSize(len) + len
    if (queued + size > this.maxBuffered) {
      this.fail(
        new TransportError(
          `peer ${this.remoteAddress} is not reading: ${queued} bytes already wait to be sent and ${size} more would exceed maxBuffered (${this.maxBuffered})`,
          { code: 'kp.SlowPeer' },
        ),
      )
      return
    }
    this.pending.push(frame)
    this.pendingBytes += size
    if (this.pending.length === 1) process.nextTick(this.flushTick)
  }

  private readonly flushTick = () => this.flush()

  /**
   * Hands this tick's frames to the socket in one writev: runs of small frames are copied behind
   * their headers into one buffer, large frames go as they are. One syscall per tick, not two per
   * frame (measured: several times the calls/s of one write per frame with 100 calls in flight).
   */
  private flush(): void {
    const frames = this.pending
    if (frames.length === 0 || this.closed) return
    this.pending = []
    this.pendingBytes = 0
    const socket = this.socket
    socket.cork()
    let i = 0
    while (i < frames.length) {
      // a run of small frames, plus the header of the large frame that ends it (if any)
      let bytes = 0
      let j = i
      for (; j < frames.length; j++) {
        const n = frames[j]!.length
        bytes += headerSize(n)
        if (n > COPY_LIMIT) break
        bytes += n
      }
      const out = Buffer.allocUnsafe(bytes)
      let off = 0
      for (let k = i; k < j; k++) {
        const f = frames[k]!
        off = writeHeader(out, off, f.length)
        out.set(f, off)
        off += f.length
      }
      if (j < frames.length) {
        writeHeader(out, off, frames[j]!.length)
        socket.write(out)
        socket.write(frames[j]!)
        j++
      } else socket.write(out)
      i = j
    }
    socket.uncork()
  }

  setHandlers(handlers: TransportHandlers): void {
    if (this.handlers) throw new Error('setHandlers may be called once')
    this.handlers = handlers
    const pending = this.pendingClose
    if (pending) {
      this.pendingClose = null
      queueMicrotask(() => handlers.close(pending.error))
      return
    }
    if (this.closed) return
    this.socket.on('data', (chunk: Buffer) => {
      try {
        this.decoder.push(chunk)
      } catch (e) {
        this.fail(e instanceof Error ? e : new TransportError(String(e)))
      }
    })
  }

  /**
   * Closes the connection. What was already sent is flushed (a CLOSE or REJECT must arrive), then
   * the socket half-closes; it is destroyed if the goodbye takes longer than 2 s.
   */
  close(error?: Error): void {
    if (this.closed) return
    this.flush()
    this.closed = true
    this.decoder.stop()
    const socket = this.socket
    // keep reading (and dropping) so the peer's FIN is seen and the socket can finish closing
    socket.removeAllListeners('data')
    socket.resume()
    socket.end()
    this.graceTimer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS)
    this.graceTimer.unref()
    this.report(error)
  }

  /** Ends the connection at once (bad input, limit hit): nothing more is sent or read. */
  private fail(error: Error): void {
    if (this.closed) return
    this.closed = true
    this.decoder.stop()
    this.pending = []
    this.pendingBytes = 0
    this.socket.destroy()
    this.report(error)
  }

  private onEnd(): void {
    if (this.closed) return
    const error = this.decoder.midFrame
      ? new TransportError(`peer ${this.remoteAddress} closed the connection in the middle of a frame`)
      : undefined
    // allowHalfOpen is off: the socket ends its side too, once our queue is flushed
    this.close(error)
  }

  private onError(e: Error): void {
    const code = (e as NodeJS.ErrnoException).code
    this.fail(new TransportError(`connection to ${this.remoteAddress} failed: ${code ?? e.message}`, { cause: e }))
  }

  private onClose(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer)
    this.closed = true
    this.decoder.stop()
    this.report(undefined)
  }

  private report(error: Error | undefined): void {
    if (this.reported) return
    this.reported = true
    const h = this.handlers
    if (h) queueMicrotask(() => h.close(error))
    else this.pendingClose = { error }
  }
}
