import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto'
import { AeadError } from '../aead-error.js'
import type { Aead } from '../aead.js'
import { plain } from './jwk.js'

const ALGO = 'chacha20-poly1305'
const OPTS = { authTagLength: 16 } as const

/**
 * Seal through OpenSSL. The output is one plain Uint8Array (ciphertext ‖ tag); the copy of
 * the ciphertext into it is the only copy. `key`: a KeyObject (records) or raw bytes (one-shot).
 */
export function nodeSeal(key: KeyObject | Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
  const n = plaintext.length
  const c = createCipheriv(ALGO, key, nonce, OPTS)
  if (aad !== undefined && aad.length > 0) c.setAAD(aad, { plaintextLength: n })
  const out = new Uint8Array(n + 16)
  if (n > 0) out.set(c.update(plaintext), 0)
  c.final()
  out.set(c.getAuthTag(), n)
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
}
