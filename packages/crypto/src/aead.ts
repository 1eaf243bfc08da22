import { AeadError } from './aead-error.js'
import { abytes, aoptbytes } from './assert.js'
import type { Engine } from './engine.js'

/**
 * ChaCha20-Poly1305 (RFC 8439) bound to one 32-byte key: 12-byte nonce, 16-byte tag appended.
 * Make one per key and direction; the node backend keeps its KeyObject between calls.
 */
export interface Aead {
  /** Encrypts `plaintext`; returns ciphertext ‖ tag (`plaintext.length + 16` bytes). */
  seal(nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array
  /** Checks and decrypts ciphertext ‖ tag; throws `AeadError` on any mismatch. */
  open(nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array
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

/** The public `Aead`: argument checks in front of a backend's raw implementation. */
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
