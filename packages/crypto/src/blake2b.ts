import { blake2b } from '@noble/hashes/blake2.js'
import { abytes, describe, isBytes } from './assert.js'

/** A piece of hash input: bytes, or a string label taken as its UTF-8 (for labels: ASCII) bytes. */
export type HashPart = Uint8Array | string

const utf8 = new TextEncoder()

// The protocol hashes a handful of fixed labels ('kp1-th1', 'kp1-c2s', ...) on every handshake:
// keep their bytes instead of encoding them each time. Bounded, short strings only.
const labels = new Map<string, Uint8Array>()
const MAX_LABELS = 64
const MAX_LABEL_LENGTH = 64

function stringBytes(s: string): Uint8Array {
  let b = labels.get(s)
  if (b === undefined) {
    b = utf8.encode(s)
    if (s.length <= MAX_LABEL_LENGTH && labels.size < MAX_LABELS) labels.set(s, b)
  }
  return b
}

function partBytes(part: unknown, i: number): Uint8Array {
  if (typeof part === 'string') return stringBytes(part)
  if (isBytes(part)) return part
  throw new TypeError(`"parts[${i}]" expected Uint8Array or string, got ${describe(part)}`)
}

/**
 * `H(x)` of the protocol: unkeyed BLAKE2b with a 32-byte output (RFC 7693) of the concatenation
 * of `parts`, fed incrementally (nothing is concatenated). Strings are UTF-8 (ASCII labels).
 *
 * @example
 * ```ts
 * const th1 = hash('kp1-th1', hello, ephemeralServerPublic)
 * ```
 */
export function hash(...parts: HashPart[]): Uint8Array {
  const h = blake2b.create({ dkLen: 32 })
  for (let i = 0; i < parts.length; i++) h.update(partBytes(parts[i], i))
  return h.digest()
}

/**
 * `KDF(k, x)` of the protocol: BLAKE2b keyed with the 32-byte `key`, 32-byte output, over the
 * concatenation of `parts` (strings are UTF-8 / ASCII labels).
 *
 * @example
 * ```ts
 * const kC2s = kdf(master, 'kp1-c2s')
 * const hs = kdf(dh, 'kp1-hs', th1)
 * ```
 */
export function kdf(key: Uint8Array, ...parts: HashPart[]): Uint8Array {
  abytes(key, 'key', 32)
  const h = blake2b.create({ dkLen: 32, key })
  for (let i = 0; i < parts.length; i++) h.update(partBytes(parts[i], i))
  return h.digest()
}
