import { intError } from './assert.js'

/** 2^22: values below it fit in the first three bytes of a smartint. */
export const TWO22 = 4194304
/** 2^32 */
export const TWO32 = 4294967296
/** 2^64 as a number (exact). */
export const TWO64 = 2 ** 64
/** 2^63 as a number (exact). */
export const TWO63 = 2 ** 63
/** Largest unsigned smartint: 2^64-1. */
export const U64_MAX = 0xffffffffffffffffn
/** Largest value of `value >> 22` for a valid smartint: 2^42-1. */
export const MAX_REST = 4398046511103
/** Longest varint tail a decoder accepts (PROTOCOL.md section 2). */
export const MAX_VARINT_BYTES = 10

/**
 * Byte length of the unsigned smartint encoding of `v` (1 to 9 bytes).
 *
 * @example smartintSize(63) === 1; smartintSize(64) === 2; smartintSize(64000) === 3
 */
export function smartintSize(v: number | bigint): number {
  let rest: number
  if (typeof v === 'number') {
    if (!(v >= 0 && v < TWO64 && Number.isInteger(v))) throw intError('value', v, '0..2^64-1', true)
    if (v < 64) return 1
    if (v < 16384) return 2
    if (v < TWO22) return 3
    rest = Math.floor(v / TWO22)
    if (rest > MAX_REST) return smartintSize(BigInt(v))
  } else if (typeof v === 'bigint') {
    if (v < 0n || v > U64_MAX) throw intError('value', v, '0..2^64-1', true)
    if (v < 4194304n) return smartintSize(Number(v))
    rest = Number(v >> 22n)
  } else {
    throw intError('value', v, '0..2^64-1', true)
  }
  let n = 4
  while (rest >= 128) {
    rest = Math.floor(rest / 128)
    n++
  }
  return n
}
