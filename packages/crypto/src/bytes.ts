import { abytes, aint } from './assert.js'

/** Largest request `getRandomValues` accepts in one call. */
const RANDOM_CHUNK = 65536

/**
 * `n` cryptographically secure random bytes from `globalThis.crypto.getRandomValues`.
 *
 * @example
 * ```ts
 * const key = randomBytes(32)
 * ```
 */
export function randomBytes(n: number): Uint8Array {
  aint(n, 'n', 0, 2 ** 31 - 1)
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i += RANDOM_CHUNK) {
    globalThis.crypto.getRandomValues(out.subarray(i, Math.min(n, i + RANDOM_CHUNK)))
  }
  return out
}

/**
 * Compares two byte arrays in time that depends only on their lengths (arrays of different
 * lengths are unequal at once: lengths are not secret).
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  abytes(a, 'a')
  abytes(b, 'b')
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

/** Hooks run by `wipe` (the node backend drops its cached KeyObject for a wiped X25519 secret). */
const wipeHooks: ((b: Uint8Array) => void)[] = []

/** Registers a hook that `wipe` calls with every array it zeroes. Internal. */
export function onWipe(hook: (b: Uint8Array) => void): void {
  wipeHooks.push(hook)
}

/**
 * Zero-fills `b` in place (for secrets that are no longer needed). JavaScript cannot promise
 * that no other copy exists (engines may move or copy memory), so this is best effort.
 */
export function wipe(b: Uint8Array): void {
  abytes(b, 'b')
  b.fill(0)
  for (const hook of wipeHooks) hook(b)
}
