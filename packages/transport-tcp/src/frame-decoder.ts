import { ProtocolError } from '@kp/core'

const VARINT_BASE = 4_194_304 // 2^22
const MAX_VARINT_BYTES = 10 // PROTOCOL.md 2: a longer varint is malformed

/** Where a {@link FrameDecoder} asks before allocating, and hands its frames. @internal */
export interface FrameSink {
  /**
   * May a frame of `length` bytes (`atLeast`: a lower bound, the header is not complete) be
   * received now? The transport's receive limit answers (it closes the transport when not).
   */
  admit(length: number, atLeast: boolean): boolean
  /** One whole frame. */
  frame(frame: Uint8Array): void
}

/**
 * Incremental parser of `smartint(length) ‖ frame` (PROTOCOL.md 8) over a byte stream cut at
 * arbitrary places. A frame wholly inside one chunk is handed out as a zero-copy view of that
 * chunk; a frame spanning chunks is copied once into a buffer of exactly its size, allocated
 * once its length is known and admitted by the sink: a length the sink refuses (0, over the
 * receive limit) stops the decoder before anything is allocated. A malformed header throws
 * `ProtocolError`. {@link allow} bounds the frames and bytes one {@link push} hands out, so
 * that a burst of many frames is parsed over several turns of the event loop. @internal
 */
export class FrameDecoder {
  private readonly sink: FrameSink
  /** Body being filled across chunks, or null. */
  private body: Uint8Array | null = null
  private filled = 0
  /** Header split across chunks: -1 when none is in progress, else the smartint type (0..3). */
  private hType = -1
  private hValue = 0
  /** Fixed header bytes still expected (type 1: 1, types 2 and 3: 2). */
  private hNeed = 0
  private hShift = 0
  /** Type 3 only: varint bytes read so far, and the weight of the next one. */
  private vCount = 0
  private vScale = 0
  private stopped = false
  private framesLeft = Number.POSITIVE_INFINITY
  private bytesLeft = Number.POSITIVE_INFINITY

  constructor(sink: FrameSink) {
    this.sink = sink
  }

  /** True when part of a frame (header or body) has arrived and the rest has not. */
  get midFrame(): boolean {
    return this.body !== null || this.hType !== -1
  }

  /** Stops handing out frames, also from the rest of the chunk being parsed. */
  stop(): void {
    this.stopped = true
    this.body = null
    this.hType = -1
  }

  /** From now on, {@link push} hands out at most `frames` frames and about `bytes` bytes, then returns early. */
  allow(frames: number, bytes: number): void {
    this.framesLeft = frames
    this.bytesLeft = bytes
  }

  /**
   * Parses `chunk` from `start`; hands every frame it completes to the sink. Returns the offset
   * where it stopped: `chunk.length`, or less when the allowance ran out (call again with the
   * rest). Throws `ProtocolError` for a malformed header.
   */
  push(chunk: Uint8Array, start = 0): number {
    const n = chunk.length
    let off = start
    if (this.body) off = this.fill(chunk, off)
    while (off < n && !this.stopped && this.framesLeft > 0 && this.bytesLeft > 0) {
      let len: number
      if (this.hType === -1) {
        // Fast path: the whole header of a frame below 4 MiB is in this chunk.
        const b0 = chunk[off]!
        const t = b0 & 3
        if (t === 0) {
          len = b0 >>> 2
          off += 1
        } else if (t === 1 && off + 1 < n) {
          len = (b0 >>> 2) | (chunk[off + 1]! << 6)
          off += 2
        } else if (t === 2 && off + 2 < n) {
          len = (b0 >>> 2) | (chunk[off + 1]! << 6) | (chunk[off + 2]! << 14)
          off += 3
        } else {
          off = this.headerByte(chunk, off)
          continue
        }
      } else {
        off = this.headerByte(chunk, off)
        continue
      }
      off = this.begin(chunk, off, len)
    }
    return this.stopped ? n : off
  }

  /** Feeds header bytes one at a time (a header cut by a chunk boundary, or a type-3 header). */
  private headerByte(chunk: Uint8Array, off: number): number {
    const n = chunk.length
    while (off < n) {
      const b = chunk[off++]!
      if (this.hType === -1) {
        this.hType = b & 3
        this.hValue = b >>> 2
        this.hNeed = this.hType === 3 ? 2 : this.hType
        this.hShift = 6
        if (this.hNeed > 0) continue
      } else if (this.hNeed > 0) {
        this.hValue += b * 2 ** this.hShift
        this.hShift += 8
        if (--this.hNeed > 0) continue
        if (this.hType === 3) {
          this.vCount = 0
          this.vScale = VARINT_BASE
          continue
        }
      } else {
        // type 3: LEB128 varint of value >> 22; a lower bound of the length as soon as it grows
        this.hValue += (b & 127) * this.vScale
        this.vScale *= 128
        this.vCount++
        if (this.hValue > 0 && !this.sink.admit(this.hValue, true)) return this.refused(n)
        if (b & 128) {
          if (this.vCount === MAX_VARINT_BYTES) {
            throw new ProtocolError(`malformed frame header: length varint longer than ${MAX_VARINT_BYTES} bytes`)
          }
          continue
        }
      }
      const len = this.hValue
      this.hType = -1
      return this.begin(chunk, off, len)
    }
    return off
  }

  /** A header is complete: ask the sink, then emit the frame or start filling its body. */
  private begin(chunk: Uint8Array, off: number, len: number): number {
    if (!this.sink.admit(len, false)) return this.refused(chunk.length)
    const end = off + len
    if (end <= chunk.length) {
      this.emit(new Uint8Array(chunk.buffer, chunk.byteOffset + off, len))
      return end
    }
    // exactly sized, not zero-filled (every byte is about to be written), not from the shared pool
    const buf = Buffer.allocUnsafeSlow(len)
    this.body = new Uint8Array(buf.buffer, buf.byteOffset, len)
    this.filled = 0
    return this.fill(chunk, off)
  }

  /** Copies what this chunk holds of the pending body; emits it when complete. */
  private fill(chunk: Uint8Array, off: number): number {
    const body = this.body!
    const take = Math.min(body.length - this.filled, chunk.length - off)
    body.set(chunk.subarray(off, off + take), this.filled)
    this.filled += take
    if (this.filled === body.length) {
      this.body = null
      this.emit(body)
    }
    return off + take
  }

  private emit(frame: Uint8Array): void {
    this.framesLeft--
    this.bytesLeft -= frame.length
    this.sink.frame(frame)
  }

  private refused(end: number): number {
    this.stop()
    return end
  }
}
