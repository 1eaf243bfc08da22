// Results of up to 64 bytes (hashes, keys, signatures, sealed 40-byte records) are written by
// libsodium into one long-lived buffer and copied out with `slice`. A fresh small Uint8Array
// lives on V8's heap, and handing it to native code first moves it off the heap: that move
// costs more than the whole BLAKE2b or seal of 40 bytes (measured 2.1 against 1.1 µs per
// call). The copy is a plain Uint8Array of its own; the scratch is zeroed after every use.

/** Largest result written through the scratch (V8 keeps typed arrays up to 64 bytes on its heap). */
export const SCRATCH_MAX = 64

const scratch = new Uint8Array(new ArrayBuffer(SCRATCH_MAX))
const views: readonly Uint8Array[] = Array.from({ length: SCRATCH_MAX + 1 }, (_, n) => scratch.subarray(0, n))

/** The first `n` bytes of the scratch (`n` <= SCRATCH_MAX), for libsodium to write into. */
export function scratchView(n: number): Uint8Array {
  return views[n]!
}

/** A copy of the first `n` bytes of the scratch; the scratch is zeroed. */
export function takeScratch(n: number): Uint8Array {
  const out = scratch.slice(0, n)
  scratch.fill(0, 0, n)
  return out
}

/** Zeroes the first `n` bytes of the scratch (after a failure). */
export function clearScratch(n: number): void {
  scratch.fill(0, 0, n)
}
