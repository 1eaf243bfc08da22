/**
 * The TCP frame header (PROTOCOL.md 8): `smartint(length)` (PROTOCOL.md 2) in front of each frame.
 * A few lines of smartint written here rather than pulling in a codec for one integer.
 */

const VARINT_BASE = 4_194_304 // 2^22: a type-3 smartint carries `value >> 22` as a LEB128 varint

/** Bytes the smartint header of a frame of `length` bytes takes. @internal */
export function headerSize(length: number): number {
  if (length < 64) return 1
  if (length < 16_384) return 2
  if (length < VARINT_BASE) return 3
  let rest = Math.floor(length / VARINT_BASE)
  let n = 4
  while (rest >= 128) {
    rest = Math.floor(rest / 128)
    n++
  }
  return n
}

/** Writes the smartint of `length` into `out` at `offset`; returns the offset after it. @internal */
export function writeHeader(out: Uint8Array, offset: number, length: number): number {
  const low = (length & 63) << 2
  if (length < 64) {
    out[offset] = low
    return offset + 1
  }
  if (length < 16_384) {
    out[offset] = low | 1
    out[offset + 1] = length >>> 6
    return offset + 2
  }
  const type = length < VARINT_BASE ? 2 : 3
  out[offset] = low | type
  out[offset + 1] = (length >>> 6) & 255
  out[offset + 2] = (length >>> 14) & 255
  offset += 3
  if (type === 2) return offset
  let rest = Math.floor(length / VARINT_BASE)
  while (rest >= 128) {
    out[offset++] = (rest & 127) | 128
    rest = Math.floor(rest / 128)
  }
  out[offset++] = rest
  return offset
}

/** One frame as it goes on the byte stream: `smartint(length) ‖ frame`, in a new buffer. @internal */
export function encodeFrame(frame: Uint8Array): Uint8Array {
  const h = headerSize(frame.length)
  const out = new Uint8Array(h + frame.length)
  writeHeader(out, 0, frame.length)
  out.set(frame, h)
  return out
}
