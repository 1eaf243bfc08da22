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
}
