import { intError, typeError } from './assert.js'
import { BipackError } from './errors.js'
import { MAX_REST, MAX_VARINT_BYTES, TWO22, TWO32 } from './smartint.js'
import { decodeUtf8 } from './utf8.js'

const MAX_SAFE = Number.MAX_SAFE_INTEGER

/** Deepest nesting of `lazy` schemas a decode accepts (guards the call stack). */
export const MAX_DEPTH = 512

/**
 * Most zero-byte items (`unit`, empty structs, ...) one reader will produce in total across all
 * lists and maps: such items cost no input, so the input cannot bound their number.
 */
export const MAX_EMPTY_ITEMS = 1 << 16

// Scratch space for float decoding: copy 4 or 8 bytes here instead of allocating a DataView.
const scratch = new Uint8Array(8)
const scratchView = new DataView(scratch.buffer)

/**
 * Cursor over a byte array for bipack decoding. Every read checks bounds and throws
 * `BipackError` (never another error type) on truncated or malformed input.
 *
 * Smartint decoding accepts non-minimal encodings (e.g. `01 00` for 0), like the reference
 * implementation; values above 2^64-1 and varint tails longer than 10 bytes are rejected.
 *
 * @example
 * const r = new BipackReader(bytes)
 * const tag = r.u8(), n = r.unsigned(), name = r.string()
 * r.expectEnd()
 */
/** Smallest `bytes` field an owned input hands out as a view (below it a copy is as cheap). */
export const SHARE_MIN = 1024

export class BipackReader {
  /** The underlying bytes (not copied). */
  readonly buf: Uint8Array
  /** Position of the next byte to read. */
  offset: number
  /** Position one past the last readable byte. */
  readonly end: number
  /** @internal current `lazy` nesting depth. */
  depth = 0
  /** @internal remaining allowance of zero-byte items (see MAX_EMPTY_ITEMS). */
  emptyBudget = MAX_EMPTY_ITEMS
  /**
   * The input is given away (see `decodeOwned`): `bytesValue()` may return a large field as a
   * view of it instead of a copy.
   */
  owned = false
  // `value >> 22` of the last smartint read by smart().
  private hi = 0

  /**
   * @param buf bytes to read (not copied; views returned by `bytes()`/`fixed()` alias it)
   * @param start first byte to read (default 0)
   * @param end one past the last byte to read (default `buf.length`)
   */
  constructor(buf: Uint8Array, start = 0, end: number = buf?.length) {
    if (!(buf instanceof Uint8Array)) throw typeError('buf', 'Uint8Array', buf)
    if (!(Number.isSafeInteger(end) && end >= 0 && end <= buf.length)) throw intError('end', end, `0..${buf.length}`, false)
    if (!(Number.isSafeInteger(start) && start >= 0 && start <= end)) throw intError('start', start, `0..${end}`, false)
    this.buf = buf
    this.offset = start
    this.end = end
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.end - this.offset
  }

  /** Throws the "truncated" error for a read of `n` bytes at the current offset. */
  private truncated(n: number): never {
    throw new BipackError(`unexpected end of input: need ${n} byte(s), ${this.end - this.offset} left`, this.offset)
  }

  /** Throws `BipackError` unless `n` more bytes are available. */
  need(n: number): void {
    if (n > this.end - this.offset) this.truncated(n)
  }

  /** Reads one byte. */
  u8(): number {
    const o = this.offset
    if (o >= this.end) this.truncated(1)
    this.offset = o + 1
    return this.buf[o]!
  }

  /** Reads a big-endian 16-bit unsigned integer. */
  u16(): number {
    const o = this.offset
    if (o + 2 > this.end) this.truncated(2)
    this.offset = o + 2
    return (this.buf[o]! << 8) | this.buf[o + 1]!
  }

  /** Reads a big-endian 32-bit unsigned integer. */
  u32(): number {
    const o = this.offset
    if (o + 4 > this.end) this.truncated(4)
    this.offset = o + 4
    const b = this.buf
    return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0
  }

  /** Reads a big-endian 64-bit unsigned integer. */
  u64(): bigint {
    const hi = this.u32()
    const lo = this.u32()
    if (hi < 0x200000) return BigInt(hi * TWO32 + lo) // below 2^53: one exact conversion
    return (BigInt(hi) << 32n) | BigInt(lo)
  }

  /** Reads a two's complement byte. */
  i8(): number {
    return (this.u8() << 24) >> 24
  }

  /** Reads a big-endian 16-bit two's complement integer. */
  i16(): number {
    return (this.u16() << 16) >> 16
  }

  /** Reads a big-endian 32-bit two's complement integer. */
  i32(): number {
    return this.u32() | 0
  }

  /** Reads a big-endian 64-bit two's complement integer. */
  i64(): bigint {
    const hi = this.u32() | 0
    const lo = this.u32()
    if (hi >= -0x200000 && hi < 0x200000) return BigInt(hi * TWO32 + lo) // |v| <= 2^53: exact
    return (BigInt(hi) << 32n) | BigInt(lo)
  }

  /**
   * Reads a smartint: returns bits 0..21 of the value and leaves `value >> 22` in `this.hi`.
   * Rejects varint tails longer than 10 bytes and values above 2^64-1.
   */
  private smart(): number {
    const b = this.buf
    const start = this.offset
    const end = this.end
    if (start >= end) this.truncated(1)
    const b0 = b[start]!
    const t = b0 & 3
    this.hi = 0
    if (t === 0) {
      this.offset = start + 1
      return b0 >>> 2
    }
    if (t === 1) {
      if (start + 2 > end) this.truncated(2)
      this.offset = start + 2
      return (b0 >>> 2) | (b[start + 1]! << 6)
    }
    if (start + 3 > end) this.truncated(3)
    const low = (b0 >>> 2) | (b[start + 1]! << 6) | (b[start + 2]! << 14)
    let o = start + 3
    if (t === 3) {
      // LEB128 tail holding value >> 22. Each addend is exact (7 bits times a power of two)
      // and we stop as soon as the sum passes 2^42-1, so the arithmetic never rounds below it.
      let rest = 0
      let mul = 1
      for (let i = 0; ; i++) {
        if (i === MAX_VARINT_BYTES) throw new BipackError('smartint varint longer than 10 bytes', start)
        if (o >= end) {
          this.offset = o
          this.truncated(1)
        }
        const c = b[o++]!
        rest += (c & 127) * mul
        if (rest > MAX_REST) throw new BipackError('smartint value above 2^64-1', start)
        if (c < 128) break
        mul *= 128
      }
      this.hi = rest
    }
    this.offset = o
    return low
  }

  /** Reads an unsigned smartint as a number; `BipackError` if above `Number.MAX_SAFE_INTEGER`. */
  unsigned(): number {
    const o = this.offset
    if (o < this.end) {
      const b0 = this.buf[o]!
      if ((b0 & 3) === 0) {
        this.offset = o + 1
        return b0 >>> 2
      }
    }
    const low = this.smart()
    const hi = this.hi
    if (hi === 0) return low
    const v = low + hi * TWO22
    if (v > MAX_SAFE) throw new BipackError('unsigned smartint above Number.MAX_SAFE_INTEGER', o)
    return v
  }

  /** Reads an unsigned smartint as a bigint (0..2^64-1). */
  unsignedBig(): bigint {
    const low = this.smart()
    const hi = this.hi
    if (hi < 0x80000000) return BigInt(low + hi * TWO22) // < 2^53: exact
    return (BigInt(hi) << 22n) | BigInt(low)
  }

  /** Reads a signed smartint as a number; `BipackError` outside the safe-integer range. */
  signed(): number {
    const o = this.offset
    const low = this.smart()
    const hi = this.hi
    // value = low + hi * 2^22; sign = bit 0; magnitude = value >> 1
    const mag = (low >>> 1) + hi * 2097152
    if (mag > MAX_SAFE) throw new BipackError('signed smartint outside the safe integer range', o)
    if ((low & 1) === 0) return mag
    return mag === 0 ? 0 : -mag // "negative zero" (unsigned 1) decodes to 0
  }

  /** Reads a signed smartint as a bigint (-(2^63-1)..2^63-1). */
  signedBig(): bigint {
    const low = this.smart()
    const hi = this.hi
    const mag = hi < 0x80000000 ? BigInt((low >>> 1) + hi * 2097152) : (BigInt(hi) << 21n) | BigInt(low >>> 1)
    return (low & 1) === 0 ? mag : -mag
  }

  /** Reads a big-endian IEEE 754 single. */
  f32(): number {
    const o = this.offset
    if (o + 4 > this.end) this.truncated(4)
    const b = this.buf
    scratch[0] = b[o]!
    scratch[1] = b[o + 1]!
    scratch[2] = b[o + 2]!
    scratch[3] = b[o + 3]!
    this.offset = o + 4
    return scratchView.getFloat32(0)
  }

  /** Reads a big-endian IEEE 754 double. */
  f64(): number {
    const o = this.offset
    if (o + 8 > this.end) this.truncated(8)
    const b = this.buf
    for (let i = 0; i < 8; i++) scratch[i] = b[o + i]!
    this.offset = o + 8
    return scratchView.getFloat64(0)
  }

  /** Reads a boolean byte: 0 or 1; any other byte is a `BipackError`. */
  bool(): boolean {
    const o = this.offset
    if (o >= this.end) this.truncated(1)
    const v = this.buf[o]!
    if (v > 1) throw new BipackError(`invalid bool byte 0x${v.toString(16).padStart(2, '0')}`, o)
    this.offset = o + 1
    return v === 1
  }

  /** Reads a smartint length and returns the offset where that many bytes start. */
  private lengthPrefixed(): number {
    const o = this.offset
    const n = this.unsigned()
    if (n > this.end - this.offset) throw new BipackError(`length ${n} exceeds the ${this.end - this.offset} byte(s) left`, o)
    return n
  }

  /** Reads a smartint length and that many bytes, as a view into the input (no copy). */
  bytes(): Uint8Array {
    const n = this.lengthPrefixed()
    const o = this.offset
    this.offset = o + n
    return this.buf.subarray(o, o + n)
  }

  /** Like `bytes()` but returns a copy, so the result does not keep the input alive. */
  bytesCopy(): Uint8Array {
    const n = this.lengthPrefixed()
    const o = this.offset
    this.offset = o + n
    return this.buf.slice(o, o + n)
  }

  /**
   * The value of a `bytes` field: a copy, so the result does not keep the input alive; when the
   * input is {@link owned}, a field of at least {@link SHARE_MIN} bytes that is at least half of
   * the input's ArrayBuffer is a view instead (no copy, and it keeps at most twice its size alive).
   */
  bytesValue(): Uint8Array {
    const n = this.lengthPrefixed()
    const o = this.offset
    this.offset = o + n
    const b = this.buf
    if (this.owned && n >= SHARE_MIN && 2 * n >= b.buffer.byteLength) return b.subarray(o, o + n)
    return b.slice(o, o + n)
  }

  /** Reads exactly `n` bytes as a view into the input (no copy). */
  fixed(n: number): Uint8Array {
    if (!(Number.isSafeInteger(n) && n >= 0)) throw intError('n', n, '0..2^53-1', false)
    const o = this.offset
    if (n > this.end - o) this.truncated(n)
    this.offset = o + n
    return this.buf.subarray(o, o + n)
  }

  /** Like `fixed(n)` but returns a copy. */
  fixedCopy(n: number): Uint8Array {
    if (!(Number.isSafeInteger(n) && n >= 0)) throw intError('n', n, '0..2^53-1', false)
    const o = this.offset
    if (n > this.end - o) this.truncated(n)
    this.offset = o + n
    return this.buf.slice(o, o + n)
  }

  /** Reads a smartint byte length and that many bytes of strict UTF-8. */
  string(): string {
    const n = this.lengthPrefixed()
    const o = this.offset
    const s = decodeUtf8(this.buf, o, n)
    if (s === null) throw new BipackError('invalid UTF-8 in string', o)
    this.offset = o + n
    return s
  }

  /** Throws `BipackError` if any bytes are left before `end`. */
  expectEnd(): void {
    if (this.offset !== this.end) throw new BipackError(`${this.end - this.offset} trailing byte(s) after the value`, this.offset)
  }
}
