import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { AeadError } from '../aead-error.js'
import type { Aead } from '../aead.js'

/** Seal through @noble/ciphers. */
export function nobleSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
  return chacha20poly1305(key, nonce, aad).encrypt(plaintext)
}

/** Open through @noble/ciphers, which checks the tag before it decrypts: nothing escapes on failure. */
export function nobleOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
  try {
    return chacha20poly1305(key, nonce, aad).decrypt(sealed)
  } catch (e) {
    throw new AeadError(undefined, { cause: e })
  }
}

/** ChaCha20-Poly1305 through @noble/ciphers, bound to a private copy of the key. */
export class NobleAead implements Aead {
  readonly #key: Uint8Array

  constructor(key: Uint8Array) {
    this.#key = key
  }

  seal(nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
    return nobleSeal(this.#key, nonce, plaintext, aad)
  }

  open(nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
    return nobleOpen(this.#key, nonce, sealed, aad)
  }

  /** noble copies the plaintext to the destination, then encrypts there (so in place works). */
  sealInto(out: Uint8Array, outOffset: number, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): number {
    const n = plaintext.length + 16
    chacha20poly1305(this.#key, nonce, aad).encrypt(plaintext, out.subarray(outOffset, outOffset + n))
    return n
  }

  /** noble checks the tag first and writes nothing on failure. */
  openInto(out: Uint8Array, outOffset: number, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): number {
    const n = sealed.length - 16
    try {
      chacha20poly1305(this.#key, nonce, aad).decrypt(sealed, out.subarray(outOffset, outOffset + n))
    } catch (e) {
      throw new AeadError(undefined, { cause: e })
    }
    return n
  }
}
