import { intError, typeError } from './assert.js'
import { MAX_REST, TWO22, TWO32, TWO63, TWO64, U64_MAX } from './smartint.js'
import { SHORT_STRING, utf8Encoder, writeUtf8 } from './utf8.js'

const MAX_SAFE = Number.MAX_SAFE_INTEGER
/** Numbers with |v| below this double to at most 2^53-1, so `2|v|+1` stays exact. */
const HALF_SAFE = 4503599627370496 // 2^52
const I64_MIN = -(2n ** 63n)
const I64_MAX = 2n ** 63n - 1n
const SIGNED_MAX = 2n ** 63n - 1n
/** Above this many UTF-16 units, strings are encoded to a temporary array first. */
const HUGE_STRING = 1 << 16

/**
 * Growable output buffer for bipack encoding. Every method appends and returns `this`, so
 * calls chain. The buffer doubles when full; `reset()` keeps it for the next message.
 *
 * @example
 * const w = new BipackWriter()
 * w.u8(7).unsigned(64000).string('hi')
 * const bytes = w.toBytes()
 */
export class BipackWriter {
  private buf: Uint8Array
  private dv: DataView
  private pos = 0

  /** @param initialCapacity bytes to allocate up front (default 256); the buffer grows by doubling. */
  constructor(initialCapacity = 256) {
    if (!(Number.isSafeInteger(initialCapacity) && initialCapacity >= 0 && initialCapacity <= 2 ** 31))
      throw intError('initialCapacity', initialCapacity, '0..2^31', false)
    this.buf = new Uint8Array(Math.max(initialCapacity, 16))
    this.dv = new DataView(this.buf.buffer)
  }

  /** Number of bytes written so far. */
  get length(): number {
    return this.pos
  }

  /** Current buffer size in bytes (grows by doubling). */
  get capacity(): number {
    return this.buf.length
  }

  /** Forgets what was written, keeping the buffer for the next message. */
  reset(): void {
    this.pos = 0
  }

  private grow(n: number): void {
    const need = this.pos + n
    let cap = this.buf.length * 2
    if (cap < need) cap = need
    const nb = new Uint8Array(cap)
    nb.set(this.buf.subarray(0, this.pos))
    this.buf = nb
    this.dv = new DataView(nb.buffer)
  }

  /** Writes one byte, 0..255. */
  u8(v: number): this {
    if (typeof v !== 'number' || (v & 0xff) !== v) throw intError('u8', v, '0..255', false)
    if (this.pos >= this.buf.length) this.grow(1)
    this.buf[this.pos++] = v
    return this
  }

  /** Writes a big-endian 16-bit unsigned integer. */
  u16(v: number): this {
    if (typeof v !== 'number' || (v & 0xffff) !== v) throw intError('u16', v, '0..65535', false)
    if (this.pos + 2 > this.buf.length) this.grow(2)
    const b = this.buf
    const p = this.pos
    b[p] = v >>> 8
    b[p + 1] = v
    this.pos = p + 2
    return this
  }

  /** Writes a big-endian 32-bit unsigned integer. */
  u32(v: number): this {
    if (typeof v !== 'number' || v >>> 0 !== v) throw intError('u32', v, '0..2^32-1', false)
    if (this.pos + 4 > this.buf.length) this.grow(4)
    this.put32(v)
    return this
  }

  /** Writes a big-endian 64-bit unsigned integer (number or bigint, 0..2^64-1). */
  u64(v: number | bigint): this {
    let hi: number
    let lo: number
    if (typeof v === 'number' && v >= 0 && v < TWO64 && Number.isInteger(v)) {
      hi = Math.floor(v / TWO32)
      lo = v >>> 0
    } else if (typeof v === 'bigint' && v >= 0n && v <= U64_MAX) {
      hi = Number(v >> 32n)
      lo = Number(v & 0xffffffffn)
    } else {
      throw intError('u64', v, '0..2^64-1', true)
    }
    if (this.pos + 8 > this.buf.length) this.grow(8)
    this.put32(hi)
    this.put32(lo)
    return this
  }

  /** Writes one byte in two's complement, -128..127. */
  i8(v: number): this {
    if (typeof v !== 'number' || (v << 24) >> 24 !== v) throw intError('i8', v, '-128..127', false)
    if (this.pos >= this.buf.length) this.grow(1)
    this.buf[this.pos++] = v
    return this
  }

  /** Writes a big-endian 16-bit two's complement integer. */
  i16(v: number): this {
    if (typeof v !== 'number' || (v << 16) >> 16 !== v) throw intError('i16', v, '-32768..32767', false)
    if (this.pos + 2 > this.buf.length) this.grow(2)
    const b = this.buf
    const p = this.pos
    b[p] = v >> 8
    b[p + 1] = v
    this.pos = p + 2
    return this
  }

  /** Writes a big-endian 32-bit two's complement integer. */
  i32(v: number): this {
    if (typeof v !== 'number' || (v | 0) !== v) throw intError('i32', v, '-2^31..2^31-1', false)
    if (this.pos + 4 > this.buf.length) this.grow(4)
    this.put32(v)
    return this
  }

  /** Writes a big-endian 64-bit two's complement integer (number or bigint, -2^63..2^63-1). */
  i64(v: number | bigint): this {
    let hi: number
    let lo: number
    if (typeof v === 'number' && v >= -TWO63 && v < TWO63 && Number.isInteger(v)) {
      hi = Math.floor(v / TWO32)
      lo = v - hi * TWO32
    } else if (typeof v === 'bigint' && v >= I64_MIN && v <= I64_MAX) {
      const u = BigInt.asUintN(64, v)
      hi = Number(u >> 32n)
      lo = Number(u & 0xffffffffn)
    } else {
      throw intError('i64', v, '-2^63..2^63-1', true)
    }
    if (this.pos + 8 > this.buf.length) this.grow(8)
    this.put32(hi)
    this.put32(lo)
    return this
  }

  // Writes the low 32 bits of v big-endian; the caller has ensured room.
  private put32(v: number): void {
    const b = this.buf
    const p = this.pos
    b[p] = v >>> 24
    b[p + 1] = v >>> 16
    b[p + 2] = v >>> 8
    b[p + 3] = v
    this.pos = p + 4
  }

  /**
   * Writes an unsigned smartint (PROTOCOL.md section 2), always in its shortest form.
   * Throws `RangeError` for a negative value or one above 2^64-1.
   */
  unsigned(v: number | bigint): this {
    if (typeof v === 'number') {
      if (v >= 0 && v <= MAX_SAFE && Number.isInteger(v)) {
        this.uint(v)
        return this
      }
      // Integers past 2^53 are exact as doubles; encode them through bigint.
      if (v >= 0 && v < TWO64 && Number.isInteger(v)) return this.unsigned(BigInt(v))
    } else if (typeof v === 'bigint' && v >= 0n && v <= U64_MAX) {
      if (v <= 9007199254740991n) this.uint(Number(v))
      else this.uintParts(Number(v & 0x3fffffn), Number(v >> 22n))
      return this
    }
    throw intError('unsigned', v, '0..2^64-1', true)
  }

  /**
   * Writes a signed smartint: the unsigned smartint of `(|v| << 1) | (v < 0 ? 1 : 0)`
   * (not zigzag). Range -(2^63-1)..2^63-1.
   */
  signed(v: number | bigint): this {
    if (typeof v === 'number') {
      if ((v | 0) === v) {
        this.uint(v < 0 ? -2 * v + 1 : 2 * v)
        return this
      }
      if (v > -HALF_SAFE && v < HALF_SAFE && Number.isInteger(v)) {
        this.uint(v < 0 ? -2 * v + 1 : 2 * v)
        return this
      }
      if (v > -TWO63 && v < TWO63 && Number.isInteger(v)) return this.signed(BigInt(v))
    } else if (typeof v === 'bigint' && v >= -SIGNED_MAX && v <= SIGNED_MAX) {
      const u = v < 0n ? (-v << 1n) | 1n : v << 1n
      if (u <= 9007199254740991n) this.uint(Number(u))
      else this.uintParts(Number(u & 0x3fffffn), Number(u >> 22n))
      return this
    }
    throw intError('signed', v, '-(2^63-1)..2^63-1', true)
  }

  // Unsigned smartint of a safe non-negative integer (validated by the caller).
  private uint(v: number): void {
    if (this.pos + 10 > this.buf.length) this.grow(10)
    const b = this.buf
    let p = this.pos
    if (v < 64) {
      b[p++] = v << 2
    } else if (v < 16384) {
      b[p++] = ((v & 63) << 2) | 1
      b[p++] = v >>> 6
    } else if (v < TWO22) {
      b[p++] = ((v & 63) << 2) | 2
      b[p++] = v >>> 6
      b[p++] = v >>> 14
    } else {
      // Bitwise operators take the value modulo 2^32, so the low 22 bits come out exact.
      b[p++] = ((v & 63) << 2) | 3
      b[p++] = v >>> 6
      b[p++] = v >>> 14
      let rest = Math.floor(v / TWO22) // < 2^31 for safe integers
      while (rest >= 128) {
        b[p++] = (rest & 127) | 128
        rest >>>= 7
      }
      b[p++] = rest
    }
    this.pos = p
  }

  // Unsigned smartint given its low 22 bits and `value >> 22` (>= 1, <= 2^42-1).
  private uintParts(low22: number, rest: number): void {
    if (this.pos + 10 > this.buf.length) this.grow(10)
    const b = this.buf
    let p = this.pos
    b[p++] = ((low22 & 63) << 2) | 3
    b[p++] = low22 >>> 6
    b[p++] = low22 >>> 14
    if (rest > MAX_REST) throw new RangeError('smartint overflow') // unreachable: callers check
    while (rest >= 128) {
      b[p++] = (rest % 128) | 128
      rest = Math.floor(rest / 128)
    }
    b[p++] = rest
    this.pos = p
  }

  /** Writes a big-endian IEEE 754 single (the value is rounded to float32). */
  f32(v: number): this {
    if (typeof v !== 'number') throw typeError('f32', 'number', v)
    if (this.pos + 4 > this.buf.length) this.grow(4)
    this.dv.setFloat32(this.pos, v)
    this.pos += 4
    return this
  }

  /** Writes a big-endian IEEE 754 double. */
  f64(v: number): this {
    if (typeof v !== 'number') throw typeError('f64', 'number', v)
    if (this.pos + 8 > this.buf.length) this.grow(8)
    this.dv.setFloat64(this.pos, v)
    this.pos += 8
    return this
  }

  /** Writes one byte: 1 for true, 0 for false. */
  bool(v: boolean): this {
    if (typeof v !== 'boolean') throw typeError('bool', 'boolean', v)
    if (this.pos >= this.buf.length) this.grow(1)
    this.buf[this.pos++] = v ? 1 : 0
    return this
  }

  /** Writes a smartint length, then the bytes. */
  bytes(b: Uint8Array): this {
    if (!(b instanceof Uint8Array)) throw typeError('bytes', 'Uint8Array', b)
    this.uint(b.length)
    return this.raw(b)
  }

  /** Writes the bytes as they are, with no length (bipack `fixed N`). */
  fixed(b: Uint8Array): this {
    if (!(b instanceof Uint8Array)) throw typeError('fixed', 'Uint8Array', b)
    return this.raw(b)
  }

  private raw(b: Uint8Array): this {
    const n = b.length
    if (this.pos + n > this.buf.length) this.grow(n)
    if (n <= 16) {
      const d = this.buf
      let p = this.pos
      for (let i = 0; i < n; i++) d[p++] = b[i]!
    } else {
      this.buf.set(b, this.pos)
    }
    this.pos += n
    return this
  }

  /**
   * Writes a smartint byte length, then the UTF-8 bytes of `s`. Lone surrogates are written as
   * U+FFFD, as `TextEncoder` does.
   */
  string(s: string): this {
    if (typeof s !== 'string') throw typeError('string', 'string', s)
    const n = s.length
    if (n < SHORT_STRING) {
      // Room for the worst case: 3 bytes per UTF-16 unit (<= 189 bytes) plus a 2-byte length.
      if (this.pos + 2 + 3 * n > this.buf.length) this.grow(2 + 3 * n)
      const b = this.buf
      const start = this.pos
      let p = start + 1
      let i = 0
      for (; i < n; i++) {
        const c = s.charCodeAt(i)
        if (c >= 0x80) break
        b[p++] = c
      }
      if (i === n) {
        b[start] = n << 2 // ASCII: byte length n < 64 fits the one-byte smartint
        this.pos = p
        return this
      }
      const end = writeUtf8(s, i, b, p)
      const len = end - start - 1
      if (len < 64) {
        b[start] = len << 2
        this.pos = end
      } else {
        // Needs a 2-byte length (len <= 189 < 16384): shift the text one byte right.
        b.copyWithin(start + 2, start + 1, end)
        b[start] = ((len & 63) << 2) | 1
        b[start + 1] = len >>> 6
        this.pos = end + 1
      }
      return this
    }
    if (n > HUGE_STRING) {
      // Reserving 3 bytes per unit would over-allocate hugely: encode to exact size instead.
      const b = utf8Encoder.encode(s)
      this.uint(b.length)
      return this.raw(b)
    }
    // Long strings: reserve the length field for the worst case, let TextEncoder write the
    // text in place, then close the gap if the real length needs a shorter field.
    const max = 3 * n
    const h = max < 16384 ? 2 : 3 // max <= 3 * 2^16 < 2^22
    if (this.pos + h + max > this.buf.length) this.grow(h + max)
    const start = this.pos
    const { written } = utf8Encoder.encodeInto(s, this.buf.subarray(start + h, start + h + max))
    this.pos = start
    this.uint(written)
    const hh = this.pos - start
    if (hh !== h) this.buf.copyWithin(start + hh, start + h, start + h + written)
    this.pos = start + hh + written
    return this
  }

  /** A copy of the bytes written so far, of exact length. */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.pos)
  }

  /** A view of the bytes written so far; valid until the next write or `reset()`. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.pos)
  }
}
