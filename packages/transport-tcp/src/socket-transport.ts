import type { Socket } from 'node:net'
import { TransportCode, TransportError } from '@kp/core'
import { TransportBase } from '@kp/core/transport'
import { foreignProtocol } from './foreign-protocol.js'
import { FrameDecoder } from './frame-decoder.js'
import { headerSize, writeHeader } from './frame-encoder.js'
import type { SocketLimits } from './options.js'

/** Idle time before the kernel's first keepalive probe on a TCP connection (both ends). */
export const TCP_KEEPALIVE_MS = 30_000
/** Frames up to this size are copied behind their header (and their neighbours) into one buffer. */
const COPY_LIMIT = 16 * 1024
/** A closing socket that has not finished its goodbye (flush, FIN both ways) by then is destroyed. */
const CLOSE_GRACE_MS = 2_000
/** Frames handed to core per turn of the event loop; the rest of a burst waits for the next turn. */
export const FRAMES_PER_TURN = 256
/** Bytes handed to core per turn of the event loop (a frame that crosses it is still whole). */
export const BYTES_PER_TURN = 4 * 1024 * 1024

/**
 * The turn of the event loop, for the per-turn read allowance: one shared `setImmediate` moves it
 * on for every connection that read in the turn (not one Immediate per connection per read).
 */
let turn = 0
let turnArmed = false
const nextTurnShared = () => {
  turnArmed = false
  turn++
}
function currentTurn(): number {
  if (!turnArmed) {
    turnArmed = true
    setImmediate(nextTurnShared)
  }
  return turn
}

/** Transports with frames sent in this tick; one `process.nextTick` writes them all. */
let flushQueue: SocketTransport[] = []
const flushAll = () => {
  const q = flushQueue
  flushQueue = []
  for (let i = 0; i < q.length; i++) q[i]!.flushPending()
}

/**
 * A {@link Transport} over one connected `net.Socket`: `smartint(length) ‖ frame` on the byte
 * stream (PROTOCOL.md 8), Nagle off. The contract's bookkeeping (early frames, close once,
 * receive limit, output bounds) is `TransportBase`'s; this class moves bytes. A frame header is
 * checked against the receive limit before its body is allocated. At most
 * {@link FRAMES_PER_TURN} frames ({@link BYTES_PER_TURN} bytes) go to core per event-loop turn:
 * beyond, the socket pauses and parsing continues on the next turn, so one peer's burst cannot
 * hold the loop. Reading is never paused because our own writes are slow (two peers sending
 * large messages to each other would deadlock); the send backlog is bounded instead. @internal
 */
export class SocketTransport extends TransportBase {
  private readonly socket: Socket
  private readonly decoder: FrameDecoder
  private graceTimer: ReturnType<typeof setTimeout> | null = null
  /** Frames sent during this tick, written when it ends. */
  private pending: Uint8Array[] = []
  /** Their bytes on the wire, headers included. */
  private pendingBytes = 0
  /** Chunks (and where to resume in the first) left for the next turn: the allowance ran out. */
  private backlog: Buffer[] = []
  private backlogOffset = 0
  /** The first bytes were checked for another protocol (HTTP, TLS). */
  private sniffed = false
  /** The turn whose allowance the decoder holds; -1: none yet. */
  private turnSeen = -1
  /** A `setImmediate` for the backlog is armed (the allowance ran out). */
  private backlogArmed = false
  private endAfterBacklog = false

  constructor(socket: Socket, limits: SocketLimits) {
    const { remoteAddress: host, remotePort: port } = socket
    super({
      reliable: true,
      keepAlive: true,
      maxFrame: limits.maxFrame,
      remoteAddress: host === undefined ? 'unknown' : host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`,
      maxBuffered: limits.maxBuffered,
      memoryBudget: limits.memoryBudget,
    })
    this.socket = socket
    this.decoder = new FrameDecoder({ admit: (len, atLeast) => this.admitLength(len, atLeast), frame: (f) => this.receive(f) })
    socket.setNoDelay(true)
    // the kernel probes an idle connection (keeps NAT mappings, notices a dead peer after the
    // system's probe interval and count) without waking this process, so the server announces
    // long PING intervals for TCP (Defaults.pingIntervalMsKeepAlive, PROTOCOL.md 6.2)
    socket.setKeepAlive(true, TCP_KEEPALIVE_MS)
    socket.on('data', this.onData)
    socket.on('drain', () => this.settleOutput())
    socket.on('end', () => this.onEnd())
    socket.on('error', (e) => this.onError(e))
    socket.on('close', () => this.onClose())
  }

  /** Bytes accepted by `send` and not yet handed to the kernel (this tick's frames plus the socket's queue). */
  get bufferedAmount(): number {
    return this.socket.writableLength + this.pendingBytes
  }

  /** Queues one frame; the frames of one tick leave together when it ends. Takes the array over. */
  protected output(frame: Uint8Array): void {
    this.pending.push(frame)
    this.pendingBytes += headerSize(frame.length) + frame.length
    if (this.pending.length === 1 && flushQueue.push(this) === 1) process.nextTick(flushAll)
  }

  /** The end of the tick: write what was sent in it. @internal */
  flushPending(): void {
    if (!this.closed) this.flush()
  }

  /**
   * Hands this tick's frames to the socket in one writev: runs of small frames are copied behind
   * their headers into one buffer, large frames go as they are. One syscall per tick, not two per
   * frame (measured: several times the calls/s of one write per frame with 100 calls in flight).
   */
  private flush(): void {
    const frames = this.pending
    if (frames.length === 0) return
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

  /** The peer speaks another protocol: close with an error that says what it looked like. */
  private foreign(what: string, chunk: Buffer): void {
    const line = chunk
      .subarray(0, Math.min(chunk.length, 40))
      .toString('latin1')
      .split(/\r?\n/)[0]!
      .replace(/[^\x20-\x7e]/g, '?')
    const hint =
      what === 'an HTTP response'
        ? `not a Kiloparsec server: ${this.remoteAddress} answered like HTTP ("${line}"); point the TCP client at the server's Kiloparsec TCP port, or use the WebSocket transport for a server behind HTTP`
        : `not a Kiloparsec client: ${this.remoteAddress} sent ${what}${what === 'TLS' ? '' : ` ("${line}")`} to a Kiloparsec TCP port`
    this.fail(new TransportError(hint, { code: TransportCode.NotKiloparsec }))
  }

  private readonly onData = (chunk: Buffer) => {
    if (!this.sniffed) {
      this.sniffed = true
      const other = foreignProtocol(chunk)
      if (other) return this.foreign(other, chunk)
    }
    if (this.backlog.length > 0) this.backlog.push(chunk)
    else this.consume(chunk, 0)
  }

  /** Parses `chunk` from `start` within this turn's allowance; keeps the rest for the next turn. */
  private consume(chunk: Buffer, start: number): void {
    const t = currentTurn()
    if (this.turnSeen !== t) {
      this.turnSeen = t
      this.decoder.allow(FRAMES_PER_TURN, BYTES_PER_TURN)
    }
    let off: number
    try {
      off = this.decoder.push(chunk, start)
    } catch (e) {
      this.fail(e instanceof Error ? e : new TransportError(String(e)))
      return
    }
    if (off < chunk.length && !this.closed) {
      this.backlog.unshift(chunk)
      this.backlogOffset = off
      this.socket.pause()
      if (!this.backlogArmed) {
        this.backlogArmed = true
        setImmediate(this.nextTurn)
      }
    }
  }

  /** A new turn after the allowance ran out: the backlog, then the socket again. */
  private readonly nextTurn = () => {
    this.backlogArmed = false
    if (this.backlog.length === 0 || this.closed) return
    const chunks = this.backlog
    this.backlog = []
    let start = this.backlogOffset
    for (let i = 0; i < chunks.length; i++) {
      this.consume(chunks[i]!, start)
      start = 0
      if (this.backlog.length > 0) {
        // the allowance ran out again: keep the chunks not yet read behind the one cut
        this.backlog.push(...chunks.slice(i + 1))
        return
      }
      if (this.closed) return
    }
    this.socket.resume()
    if (this.endAfterBacklog) this.onEnd()
  }

  protected closeLink(_error: Error | undefined, abort: boolean): void {
    this.stopReading()
    if (abort) {
      this.pending = []
      this.pendingBytes = 0
      this.socket.destroy()
      return
    }
    this.flush()
    // keep reading (and dropping) so the peer's FIN is seen and the socket can finish closing
    this.socket.resume()
    this.socket.end()
    this.armGrace()
  }

  private stopReading(): void {
    this.decoder.stop()
    this.backlog = []
    this.socket.off('data', this.onData)
  }

  private armGrace(): void {
    if (this.graceTimer !== null) return
    const socket = this.socket
    this.graceTimer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS)
    this.graceTimer.unref()
  }

  private onEnd(): void {
    if (this.closed) return
    if (this.backlog.length > 0) {
      this.endAfterBacklog = true
      return
    }
    const error = this.decoder.midFrame ? new TransportError(`peer ${this.remoteAddress} closed the connection in the middle of a frame`) : undefined
    // allowHalfOpen is off: the socket ends its side too, once our queue is flushed
    this.flush()
    this.stopReading()
    this.socket.resume()
    this.armGrace()
    this.linkClosed(error)
  }

  private onError(e: Error): void {
    if (this.closed) return
    const code = (e as NodeJS.ErrnoException).code
    this.stopReading()
    this.socket.destroy()
    this.linkClosed(new TransportError(`connection to ${this.remoteAddress} failed: ${code ?? e.message}`, { cause: e }))
  }

  private onClose(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer)
    this.stopReading()
    this.linkClosed(undefined)
  }
}
