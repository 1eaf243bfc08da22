import { ProtocolError } from '@kp/core'

const VARINT_BASE = 4_194_304 // 2^22
const MAX_VARINT_BYTES = 10 // PROTOCOL.md 2: a longer varint is malformed

/**
 * Incremental parser of `smartint(length) ‖ frame` (PROTOCOL.md 8) over a byte stream cut at
 * arbitrary places. A frame wholly inside one chunk is handed out as a zero-copy view of that
 * chunk; a frame spanning chunks is copied once into a buffer of exactly its size, allocated
 * when its length is known. A length of 0, above `maxFrame`, or a malformed header throws
 * `ProtocolError` before anything is allocated. @internal
 */
export class FrameDecoder {
  private readonly maxFrame: number
  private readonly onFrame: (frame: Uint8Array) => void
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

  constructor(maxFrame: number, onFrame: (frame: Uint8Array) => void) {
    this.maxFrame = maxFrame
    this.onFrame = onFrame
  }

  /** True when part of a frame (header or body) has arrived and the rest has not. */
  get midFrame(): boolean {
    return this.body !== null || this.hType !== -1
  }

  /** Stops handing out frames, also from the rest of the chunk being parsed. */
  stop(): void {
    this.stopped = true
    this.body = null
  }

  /** Parses one chunk; calls `onFrame` for every frame it completes. Throws `ProtocolError`. */
  push(chunk: Uint8Array): void {
    const n = chunk.length
    let off = 0
    if (this.body) off = this.fill(chunk, 0)
    while (off < n && !this.stopped) {
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
        if (this.hValue > this.maxFrame) throw this.tooLarge(this.hValue, true)
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

  /** A header is complete: check the length, then emit the frame or start filling its body. */
  private begin(chunk: Uint8Array, off: number, len: number): number {
    if (len === 0) throw new ProtocolError('frame length 0 is not allowed (PROTOCOL.md 8)')
    if (len > this.maxFrame) throw this.tooLarge(len, false)
    const end = off + len
    if (end <= chunk.length) {
      this.onFrame(new Uint8Array(chunk.buffer, chunk.byteOffset + off, len))
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
      this.onFrame(body)
    }
    return off + take
  }

  private tooLarge(len: number, atLeast: boolean): ProtocolError {
    return new ProtocolError(
      `frame length ${atLeast ? 'of at least ' : ''}${len} bytes exceeds the limit of ${this.maxFrame} bytes (maxFrame)`,
    )
  }
}
