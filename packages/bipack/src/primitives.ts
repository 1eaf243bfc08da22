import { intError, typeError } from './assert.js'
import { BipackError } from './errors.js'
import type { BipackReader } from './reader.js'
import { BaseSchema, type Schema } from './schema.js'
import type { BipackWriter } from './writer.js'

const MAX_DATE_MS = 8.64e15

class UnitSchema extends BaseSchema<undefined> {
  readonly kind = 'unit'
  readonly minSize = 0
  write(_w: BipackWriter, _v: undefined): void {}
  read(_r: BipackReader): undefined {
    return undefined
  }
}

class BoolSchema extends BaseSchema<boolean> {
  readonly kind = 'bool'
  readonly minSize = 1
  write(w: BipackWriter, v: boolean): void {
    w.bool(v)
  }
  read(r: BipackReader): boolean {
    return r.bool()
  }
}

class U8Schema extends BaseSchema<number> {
  readonly kind = 'u8'
  readonly minSize = 1
  write(w: BipackWriter, v: number): void {
    w.u8(v)
  }
  read(r: BipackReader): number {
    return r.u8()
  }
}

class U16Schema extends BaseSchema<number> {
  readonly kind = 'u16'
  readonly minSize = 2
  write(w: BipackWriter, v: number): void {
    w.u16(v)
  }
  read(r: BipackReader): number {
    return r.u16()
  }
}

class U32Schema extends BaseSchema<number> {
  readonly kind = 'u32'
  readonly minSize = 4
  write(w: BipackWriter, v: number): void {
    w.u32(v)
  }
  read(r: BipackReader): number {
    return r.u32()
  }
}

class U64Schema extends BaseSchema<bigint> {
  readonly kind = 'u64'
  readonly minSize = 8
  write(w: BipackWriter, v: bigint): void {
    w.u64(v)
  }
  read(r: BipackReader): bigint {
    return r.u64()
  }
}

class I8Schema extends BaseSchema<number> {
  readonly kind = 'i8'
  readonly minSize = 1
  write(w: BipackWriter, v: number): void {
    w.i8(v)
  }
  read(r: BipackReader): number {
    return r.i8()
  }
}

class I16Schema extends BaseSchema<number> {
  readonly kind = 'i16'
  readonly minSize = 2
  write(w: BipackWriter, v: number): void {
    w.i16(v)
  }
  read(r: BipackReader): number {
    return r.i16()
  }
}

class I32Schema extends BaseSchema<number> {
  readonly kind = 'i32'
  readonly minSize = 4
  write(w: BipackWriter, v: number): void {
    w.i32(v)
  }
  read(r: BipackReader): number {
    return r.i32()
  }
}

class I64Schema extends BaseSchema<bigint> {
  readonly kind = 'i64'
  readonly minSize = 8
  write(w: BipackWriter, v: bigint): void {
    w.i64(v)
  }
  read(r: BipackReader): bigint {
    return r.i64()
  }
}

class F32Schema extends BaseSchema<number> {
  readonly kind = 'f32'
  readonly minSize = 4
  write(w: BipackWriter, v: number): void {
    w.f32(v)
  }
  read(r: BipackReader): number {
    return r.f32()
  }
}

class F64Schema extends BaseSchema<number> {
  readonly kind = 'f64'
  readonly minSize = 8
  write(w: BipackWriter, v: number): void {
    w.f64(v)
  }
  read(r: BipackReader): number {
    return r.f64()
  }
}

class IntSchema extends BaseSchema<number> {
  readonly kind = 'int'
  readonly minSize = 1
  write(w: BipackWriter, v: number): void {
    if (typeof v !== 'number' || !((v | 0) === v || Number.isSafeInteger(v))) throw intError('int', v, '-(2^53-1)..2^53-1', false)
    w.signed(v)
  }
  read(r: BipackReader): number {
    return r.signed()
  }
}

class UintSchema extends BaseSchema<number> {
  readonly kind = 'uint'
  readonly minSize = 1
  write(w: BipackWriter, v: number): void {
    if (typeof v !== 'number' || !(v >>> 0 === v || (Number.isSafeInteger(v) && v >= 0))) throw intError('uint', v, '0..2^53-1', false)
    w.unsigned(v)
  }
  read(r: BipackReader): number {
    return r.unsigned()
  }
}

class BigintSchema extends BaseSchema<bigint> {
  readonly kind = 'bigint'
  readonly minSize = 1
  write(w: BipackWriter, v: bigint): void {
    w.signed(v)
  }
  read(r: BipackReader): bigint {
    return r.signedBig()
  }
}

class DateSchema extends BaseSchema<Date> {
  readonly kind = 'date'
  readonly minSize = 1
  write(w: BipackWriter, v: Date): void {
    if (!(v instanceof Date)) throw typeError('date', 'Date', v)
    const ms = v.getTime()
    if (Number.isNaN(ms)) throw new RangeError('"date" expected a valid Date, got Invalid Date')
    w.signed(ms)
  }
  read(r: BipackReader): Date {
    const o = r.offset
    const ms = r.signed()
    if (ms > MAX_DATE_MS || ms < -MAX_DATE_MS) throw new BipackError(`date ${ms} ms is outside the Date range`, o)
    return new Date(ms)
  }
}

class StringSchema extends BaseSchema<string> {
  readonly kind = 'string'
  readonly minSize = 1
  write(w: BipackWriter, v: string): void {
    w.string(v)
  }
  read(r: BipackReader): string {
    return r.string()
  }
}

class BytesSchema extends BaseSchema<Uint8Array> {
  readonly kind = 'bytes'
  readonly minSize = 1
  write(w: BipackWriter, v: Uint8Array): void {
    w.bytes(v)
  }
  read(r: BipackReader): Uint8Array {
    return r.bytesValue()
  }
}

class FixedBytesSchema extends BaseSchema<Uint8Array> {
  readonly kind = 'fixedBytes'
  readonly minSize: number
  constructor(readonly size: number) {
    super()
    this.minSize = size
  }
  write(w: BipackWriter, v: Uint8Array): void {
    if (!(v instanceof Uint8Array)) throw typeError('fixedBytes', `Uint8Array of length ${this.size}`, v)
    if (v.length !== this.size) throw new RangeError(`"fixedBytes" expected Uint8Array of length ${this.size}, got length=${v.length}`)
    w.fixed(v)
  }
  read(r: BipackReader): Uint8Array {
    return r.fixedCopy(this.size)
  }
}

/** Zero bytes on the wire; the value is `undefined` (Kotlin `Unit`). */
export const unit: Schema<undefined> = new UnitSchema()
/** One byte, 0 or 1; any other byte fails to decode. */
export const bool: Schema<boolean> = new BoolSchema()
/** One unsigned byte. */
export const u8: Schema<number> = new U8Schema()
/** Big-endian unsigned 16-bit integer. */
export const u16: Schema<number> = new U16Schema()
/** Big-endian unsigned 32-bit integer. */
export const u32: Schema<number> = new U32Schema()
/** Big-endian unsigned 64-bit integer; `bigint` (writing also accepts a number). */
export const u64: Schema<bigint> = new U64Schema()
/** One two's complement byte. */
export const i8: Schema<number> = new I8Schema()
/** Big-endian two's complement 16-bit integer. */
export const i16: Schema<number> = new I16Schema()
/** Big-endian two's complement 32-bit integer. */
export const i32: Schema<number> = new I32Schema()
/** Big-endian two's complement 64-bit integer; `bigint` (writing also accepts a number). */
export const i64: Schema<bigint> = new I64Schema()
/** Big-endian IEEE 754 single (values are rounded to float32). */
export const f32: Schema<number> = new F32Schema()
/** Big-endian IEEE 754 double. */
export const f64: Schema<number> = new F64Schema()
/** Signed smartint limited to safe integers, as `number` (Kotlin `Int`/`Long` in safe range). */
export const int: Schema<number> = new IntSchema()
/** Unsigned smartint limited to safe integers, as `number`. */
export const uint: Schema<number> = new UintSchema()
/** Signed smartint over the full range -(2^63-1)..2^63-1, as `bigint` (writing also accepts a number). */
export const bigint: Schema<bigint> = new BigintSchema()
/** Signed smartint of epoch milliseconds, decoded to `Date`. */
export const date: Schema<Date> = new DateSchema()
/** Smartint byte length + strict UTF-8. */
export const string: Schema<string> = new StringSchema()
/** Smartint length + bytes; decodes to a copy (not a view of the input). */
export const bytes: Schema<Uint8Array> = new BytesSchema()

/**
 * Exactly `n` raw bytes, no length on the wire; decodes to a copy.
 *
 * @example const key = bp.fixedBytes(32)
 */
export function fixedBytes(n: number): Schema<Uint8Array> {
  if (!(Number.isSafeInteger(n) && n >= 0)) throw intError('n', n, '0..2^53-1', false)
  return new FixedBytesSchema(n)
}
