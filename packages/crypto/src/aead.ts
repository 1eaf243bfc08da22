import { AeadError } from './aead-error.js'
import { abytes, aoptbytes, describe } from './assert.js'
import type { Engine } from './engine.js'

/**
 * ChaCha20-Poly1305 (RFC 8439) bound to one 32-byte key: 12-byte nonce, 16-byte tag appended.
 * Make one per key and direction; engines keep their key state (a KeyObject, a key copy)
 * between calls.
 */
export interface Aead {
  /** Encrypts `plaintext`; returns ciphertext ‖ tag (`plaintext.length + 16` bytes). */
  seal(nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array
  /** Checks and decrypts ciphertext ‖ tag; throws `AeadError` on any mismatch. */
  open(nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array
  /**
   * Seals `plaintext` into `out` at `outOffset`: ciphertext ‖ 16-byte tag, exactly
   * `plaintext.length + 16` bytes, nothing else is touched; returns that count. For the record
   * hot path: write the frame header, then seal behind it, with no allocation of the result.
   *
   * Aliasing: `plaintext` may lie exactly where the ciphertext goes (same memory, starting at
   * `out[outOffset]`: sealing in place) or anywhere that does not overlap the
   * `plaintext.length + 16` destination bytes. Any other overlap is a `RangeError`.
   *
   * @example
   * ```ts
   * const tx = aead(key)
   * const nonce = new Uint8Array(12)                     // one per direction, reused
   * const frame = new Uint8Array(header.length + message.length + 16)
   * frame.set(header)
   * const n = tx.sealInto(frame, header.length, counterNonce(counter, nonce), message)
   * ```
   */
  sealInto(out: Uint8Array, outOffset: number, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): number
  /**
   * Checks and decrypts `sealed` (ciphertext ‖ tag) into `out` at `outOffset`; returns the
   * plaintext length `sealed.length - 16`, so the plaintext is
   * `out.subarray(outOffset, outOffset + n)`. Throws `AeadError` on any mismatch; the
   * destination bytes are then zero-filled (no unauthenticated plaintext is left there).
   *
   * Aliasing: `sealed` may start exactly at `out[outOffset]` (opening in place, e.g. a record
   * inside the frame it arrived in) or lie anywhere that does not overlap the
   * `sealed.length - 16` destination bytes. Any other overlap is a `RangeError`.
   *
   * @example
   * ```ts
   * const n = rx.openInto(frame, start, counterNonce(counter, nonce), frame.subarray(start))
   * const plaintext = frame.subarray(start, start + n)
   * ```
   */
  openInto(out: Uint8Array, outOffset: number, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): number
}

/** Tag length of ChaCha20-Poly1305. */
export const TAG_LENGTH = 16

const INSPECT = Symbol.for('nodejs.util.inspect.custom')

/** Checks the arguments of a seal. */
export function checkSeal(nonce: unknown, plaintext: unknown, aad: unknown): void {
  abytes(nonce, 'nonce', 12)
  abytes(plaintext, 'plaintext')
  aoptbytes(aad, 'aad')
}

/** Checks the arguments of an open; input shorter than the tag is an AeadError, not a usage error. */
export function checkOpen(nonce: unknown, sealed: unknown, aad: unknown): void {
  abytes(nonce, 'nonce', 12)
  const s = abytes(sealed, 'sealed')
  aoptbytes(aad, 'aad')
  if (s.length < TAG_LENGTH) {
    throw new AeadError(`AEAD open failed: input of ${s.length} bytes is shorter than the 16-byte tag`)
  }
}

/** Checks `out` and `outOffset` of sealInto / openInto (types and offset range only). */
function checkOut(out: unknown, outOffset: unknown): Uint8Array {
  const o = abytes(out, 'out')
  if (typeof outOffset !== 'number') throw new TypeError(`"outOffset" expected number, got ${describe(outOffset)}`)
  if (!Number.isSafeInteger(outOffset) || outOffset < 0 || outOffset > o.length) {
    throw new RangeError(`"outOffset" expected integer in [0, ${o.length}], got ${outOffset}`)
  }
  return o
}

/**
 * Checks that `need` bytes fit in `out` from `outOffset`, and that `input` is either the same
 * memory starting at the destination or does not overlap the destination at all.
 */
function checkRoom(out: Uint8Array, outOffset: number, need: number, input: Uint8Array, inputName: string): void {
  if (out.length - outOffset < need) {
    throw new RangeError(`"out" needs ${need} bytes from outOffset ${outOffset}, has ${out.length - outOffset}`)
  }
  if (need === 0 || input.length === 0 || out.buffer !== input.buffer) return
  const dst = out.byteOffset + outOffset
  const src = input.byteOffset
  if (src !== dst && src < dst + need && dst < src + input.length) {
    throw new RangeError(
      `"${inputName}" overlaps the destination in "out" without starting at out[outOffset]: ` + 'work in place (same start) or in memory that does not overlap',
    )
  }
}

/** The public `Aead`: argument checks in front of an engine's raw implementation. */
export class CheckedAead implements Aead {
  readonly #raw: Aead

  constructor(engine: Engine, key: Uint8Array) {
    abytes(key, 'key', 32)
    this.#raw = engine.aead(key.slice())
  }

  seal(nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
    checkSeal(nonce, plaintext, aad)
    return this.#raw.seal(nonce, plaintext, aad)
  }

  open(nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
    checkOpen(nonce, sealed, aad)
    return this.#raw.open(nonce, sealed, aad)
  }

  sealInto(out: Uint8Array, outOffset: number, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): number {
    checkOut(out, outOffset)
    checkSeal(nonce, plaintext, aad)
    checkRoom(out, outOffset, plaintext.length + TAG_LENGTH, plaintext, 'plaintext')
    return this.#raw.sealInto(out, outOffset, nonce, plaintext, aad)
  }

  openInto(out: Uint8Array, outOffset: number, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): number {
    checkOut(out, outOffset)
    checkOpen(nonce, sealed, aad)
    const n = sealed.length - TAG_LENGTH
    checkRoom(out, outOffset, n, sealed, 'sealed')
    try {
      return this.#raw.openInto(out, outOffset, nonce, sealed, aad)
    } catch (e) {
      out.fill(0, outOffset, outOffset + n)
      throw e
    }
  }

  toString(): string {
    return 'Aead(chacha20-poly1305)'
  }

  toJSON(): string {
    return this.toString()
  }

  [INSPECT](): string {
    return this.toString()
  }
}
