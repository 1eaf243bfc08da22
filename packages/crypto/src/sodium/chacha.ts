import { AeadError } from '../aead-error.js'
import type { Aead } from '../aead.js'
import type { SodiumNative } from './sodium-native.js'

/** Seal through libsodium into `c` (exactly plaintext.length + 16 bytes). libsodium allows c and m to be the same memory. */
function encrypt(s: SodiumNative, key: Uint8Array, c: Uint8Array, nonce: Uint8Array, m: Uint8Array, aad?: Uint8Array): void {
  s.crypto_aead_chacha20poly1305_ietf_encrypt(c, m, aad ?? null, null, nonce, key)
}

/** Open through libsodium into `m` (exactly sealed.length - 16 bytes); libsodium checks the tag first and zero-fills `m` on failure. */
function decrypt(s: SodiumNative, key: Uint8Array, m: Uint8Array, nonce: Uint8Array, c: Uint8Array, aad?: Uint8Array): void {
  try {
    s.crypto_aead_chacha20poly1305_ietf_decrypt(m, null, c, aad ?? null, nonce, key)
  } catch (e) {
    throw new AeadError(undefined, { cause: e })
  }
}

/** One-shot seal through libsodium. */
export function sodiumSeal(s: SodiumNative, key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
  const out = new Uint8Array(plaintext.length + 16)
  encrypt(s, key, out, nonce, plaintext, aad)
  return out
}

/** One-shot open through libsodium; `sealed` has at least 16 bytes. */
export function sodiumOpen(s: SodiumNative, key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
  const out = new Uint8Array(sealed.length - 16)
  decrypt(s, key, out, nonce, sealed, aad)
  return out
}

/** ChaCha20-Poly1305 IETF through libsodium, bound to a private copy of the key (libsodium has no key schedule to keep). */
export class SodiumAead implements Aead {
  readonly #s: SodiumNative
  readonly #key: Uint8Array

  constructor(s: SodiumNative, key: Uint8Array) {
    this.#s = s
    this.#key = key
  }

  seal(nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
    return sodiumSeal(this.#s, this.#key, nonce, plaintext, aad)
  }

  open(nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
    return sodiumOpen(this.#s, this.#key, nonce, sealed, aad)
  }

  sealInto(out: Uint8Array, outOffset: number, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): number {
    const n = plaintext.length + 16
    encrypt(this.#s, this.#key, out.subarray(outOffset, outOffset + n), nonce, plaintext, aad)
    return n
  }

  openInto(out: Uint8Array, outOffset: number, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): number {
    const n = sealed.length - 16
    decrypt(this.#s, this.#key, out.subarray(outOffset, outOffset + n), nonce, sealed, aad)
    return n
  }
}
