import { abytes, describe } from './assert.js'

const TWO_32 = 2 ** 32
const U64_MAX = (1n << 64n) - 1n

/**
 * The record nonce of the protocol (section 5.1): 4 zero bytes ‖ u64 little-endian `counter`,
 * 12 bytes. Pass `out` (12 bytes) to reuse one buffer per direction on the hot path.
 *
 * @example
 * ```ts
 * const nonce = counterNonce(0)         // 00000000 0000000000000000
 * counterNonce(5n, nonce)               // rewrites nonce in place
 * ```
 */
export function counterNonce(counter: number | bigint, out?: Uint8Array): Uint8Array {
  let lo: number
  let hi: number
  if (typeof counter === 'number') {
    if (!Number.isSafeInteger(counter) || counter < 0) {
      throw new RangeError(`"counter" expected integer in [0, 2^53-1], got ${counter}`)
    }
    lo = counter >>> 0
    hi = Math.floor(counter / TWO_32)
  } else if (typeof counter === 'bigint') {
    if (counter < 0n || counter > U64_MAX) {
      throw new RangeError(`"counter" expected integer in [0, 2^64-1], got ${counter}`)
    }
    lo = Number(counter & 0xffffffffn)
    hi = Number(counter >> 32n)
  } else {
    throw new TypeError(`"counter" expected number or bigint, got ${describe(counter)}`)
  }
  const n = out === undefined ? new Uint8Array(12) : abytes(out, 'out', 12)
  n[0] = n[1] = n[2] = n[3] = 0
  n[4] = lo
  n[5] = lo >>> 8
  n[6] = lo >>> 16
  n[7] = lo >>> 24
  n[8] = hi
  n[9] = hi >>> 8
  n[10] = hi >>> 16
  n[11] = hi >>> 24
  return n
}
