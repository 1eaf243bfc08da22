import { describe, isBytes } from './assert.js'

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

/**
 * Checks the parts of `hash` / `kdf` and replaces each string by its bytes, in place: `parts`
 * must be the caller's own rest-parameter array (a fresh array on every call).
 */
export function partsToBytes(parts: HashPart[]): Uint8Array[] {
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]
    if (typeof part === 'string') parts[i] = stringBytes(part)
    else if (!isBytes(part)) throw new TypeError(`"parts[${i}]" expected Uint8Array or string, got ${describe(part)}`)
  }
  return parts as Uint8Array[]
}
