import { Buffer } from 'node:buffer'
import { AeadError } from '../aead-error.js'
import type { Aead } from '../aead.js'
import { NodeAead, nodeOpen, nodeSeal } from '../node/chacha.js'
import { clearScratch, SCRATCH_MAX, scratchView, takeScratch } from './scratch.js'
import type { SodiumNative } from './sodium-native.js'

/**
 * Messages of this many bytes and more go to node:crypto, where OpenSSL's per-call setup no
 * longer matters and its bulk code is faster. Measured in fresh processes on the development
 * machine (2 vCPU EPYC, AVX2): open of 64 KiB 53-58 µs node against 70-105 µs sodium, of
 * 1 MiB 770-810 against 1450-1780; seal ties at 64 KiB; at 48 KiB and below libsodium is
 * faster (16 KiB: 14-17 against 17-23 µs).
 */
export const LARGE_AEAD = 64 * 1024

/** From this size on, results skip the zero-fill of `new Uint8Array` (measured: ~20% of a 16 KiB seal). */
const UNSAFE_FROM = 4096

/**
 * A plain Uint8Array of `n` bytes for libsodium to fill completely (it writes every byte, or
 * zero-fills on a failed open). Large ones are uninitialised memory of their own (never a
 * slice of Buffer's shared pool), returned as a plain Uint8Array view.
 */
function output(n: number): Uint8Array {
  if (n < UNSAFE_FROM) return new Uint8Array(n)
  const b = Buffer.allocUnsafeSlow(n)
  return new Uint8Array(b.buffer, b.byteOffset, n)
}

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
  if (plaintext.length >= LARGE_AEAD) return nodeSeal(key, nonce, plaintext, aad)
  const n = plaintext.length + 16
  if (n <= SCRATCH_MAX) {
    try {
      encrypt(s, key, scratchView(n), nonce, plaintext, aad)
    } catch (e) {
      clearScratch(n)
      throw e
    }
    return takeScratch(n)
  }
  const out = output(n)
  encrypt(s, key, out, nonce, plaintext, aad)
  return out
}

/** One-shot open through libsodium; `sealed` has at least 16 bytes. */
export function sodiumOpen(s: SodiumNative, key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
  const n = sealed.length - 16
  if (n >= LARGE_AEAD) return nodeOpen(key, nonce, sealed, aad)
  if (n <= SCRATCH_MAX) {
    try {
      decrypt(s, key, scratchView(n), nonce, sealed, aad)
    } catch (e) {
      clearScratch(n)
      throw e
    }
    return takeScratch(n)
  }
  const out = output(n)
  decrypt(s, key, out, nonce, sealed, aad)
  return out
}

/**
 * ChaCha20-Poly1305 IETF through libsodium, bound to a private copy of the key (libsodium has
 * no key schedule to keep); messages of LARGE_AEAD bytes and more through node:crypto, whose
 * KeyObject is made on the first one.
 */
export class SodiumAead implements Aead {
  readonly #s: SodiumNative
  readonly #key: Uint8Array
  #large: NodeAead | undefined

  constructor(s: SodiumNative, key: Uint8Array) {
    this.#s = s
    this.#key = key
  }

  #node(): NodeAead {
    this.#large ??= new NodeAead(this.#key)
    return this.#large
  }

  seal(nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
    if (plaintext.length >= LARGE_AEAD) return this.#node().seal(nonce, plaintext, aad)
    return sodiumSeal(this.#s, this.#key, nonce, plaintext, aad)
  }

  open(nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
    if (sealed.length - 16 >= LARGE_AEAD) return this.#node().open(nonce, sealed, aad)
    return sodiumOpen(this.#s, this.#key, nonce, sealed, aad)
  }

  sealInto(out: Uint8Array, outOffset: number, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): number {
    if (plaintext.length >= LARGE_AEAD) return this.#node().sealInto(out, outOffset, nonce, plaintext, aad)
    const n = plaintext.length + 16
    if (n <= SCRATCH_MAX) {
      // no view of `out` to allocate: seal into the scratch, copy 64 bytes at most
      try {
        encrypt(this.#s, this.#key, scratchView(n), nonce, plaintext, aad)
        out.set(scratchView(n), outOffset)
      } finally {
        clearScratch(n)
      }
      return n
    }
    encrypt(this.#s, this.#key, out.subarray(outOffset, outOffset + n), nonce, plaintext, aad)
    return n
  }

  openInto(out: Uint8Array, outOffset: number, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): number {
    const n = sealed.length - 16
    if (n >= LARGE_AEAD) return this.#node().openInto(out, outOffset, nonce, sealed, aad)
    if (n <= SCRATCH_MAX) {
      try {
        decrypt(this.#s, this.#key, scratchView(n), nonce, sealed, aad)
        out.set(scratchView(n), outOffset)
      } finally {
        clearScratch(n)
      }
      return n
    }
    decrypt(this.#s, this.#key, out.subarray(outOffset, outOffset + n), nonce, sealed, aad)
    return n
  }
}
