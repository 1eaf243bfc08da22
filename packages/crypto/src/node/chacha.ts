import { type CipherChaCha20Poly1305, createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto'
import { AeadError } from '../aead-error.js'
import type { Aead } from '../aead.js'
import { plain } from './jwk.js'

const ALGO = 'chacha20-poly1305'
const OPTS = { authTagLength: 16 } as const

function cipher(key: KeyObject | Uint8Array, nonce: Uint8Array, n: number, aad?: Uint8Array): CipherChaCha20Poly1305 {
  const c = createCipheriv(ALGO, key, nonce, OPTS)
  if (aad !== undefined && aad.length > 0) c.setAAD(aad, { plaintextLength: n })
  return c
}

/** Seal through OpenSSL into `out` at `offset` (ciphertext ‖ tag); OpenSSL reads all of the plaintext before anything is written. */
export function nodeSealInto(key: KeyObject | Uint8Array, out: Uint8Array, offset: number, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): number {
  const n = plaintext.length
  const c = cipher(key, nonce, n, aad)
  if (n > 0) out.set(c.update(plaintext), offset)
  c.final()
  out.set(c.getAuthTag(), offset + n)
  return n + 16
}

/**
 * Seal through OpenSSL. The output is one plain Uint8Array (ciphertext ‖ tag); the copy of
 * the ciphertext into it is the only copy. `key`: a KeyObject (records) or raw bytes (one-shot).
 */
export function nodeSeal(key: KeyObject | Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
  const out = new Uint8Array(plaintext.length + 16)
  nodeSealInto(key, out, 0, nonce, plaintext, aad)
  return out
}

/** Open through OpenSSL; `sealed` has at least 16 bytes. The plaintext is returned without a copy. */
export function nodeOpen(key: KeyObject | Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
  const n = sealed.length - 16
  const d = createDecipheriv(ALGO, key, nonce, OPTS)
  d.setAuthTag(sealed.subarray(n))
  if (aad !== undefined && aad.length > 0) d.setAAD(aad, { plaintextLength: n })
  const pt = n > 0 ? d.update(sealed.subarray(0, n)) : undefined
  try {
    d.final()
  } catch (e) {
    pt?.fill(0) // the unauthenticated plaintext never leaves
    throw new AeadError(undefined, { cause: e })
  }
  return pt === undefined ? new Uint8Array(0) : plain(pt)
}

/** ChaCha20-Poly1305 through OpenSSL with the key imported once as a KeyObject. */
export class NodeAead implements Aead {
  readonly #key: KeyObject

  constructor(key: Uint8Array) {
    this.#key = createSecretKey(key)
  }

  seal(nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
    return nodeSeal(this.#key, nonce, plaintext, aad)
  }

  open(nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
    return nodeOpen(this.#key, nonce, sealed, aad)
  }

  sealInto(out: Uint8Array, outOffset: number, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): number {
    return nodeSealInto(this.#key, out, outOffset, nonce, plaintext, aad)
  }

  /** OpenSSL decrypts into its own buffer; the plaintext is copied to `out` only once the tag checked. */
  openInto(out: Uint8Array, outOffset: number, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): number {
    const pt = nodeOpen(this.#key, nonce, sealed, aad)
    out.set(pt, outOffset)
    return pt.length
  }
}
