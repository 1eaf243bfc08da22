import { diffieHellman, type KeyObject } from 'node:crypto'
import { onWipe, randomBytes } from '../bytes.js'
import { LowOrderKeyError } from '../low-order-key-error.js'
import { X25519Pair } from '../x25519-key-pair.js'
import { importPrivate, importPublic, plain, rawPublicOf } from './jwk.js'

// A pair made by x25519KeyPair() keeps its private KeyObject here, so the DH that follows
// does not import the secret again (~45 us saved per handshake side). The entry is used only
// while the caller's secretKey array still holds the same bytes, and `wipe` drops it.
interface Cached {
  readonly copy: Uint8Array
  readonly key: KeyObject
}
const cache = new WeakMap<Uint8Array, Cached>()

onWipe((b) => {
  const c = cache.get(b)
  if (c !== undefined) {
    c.copy.fill(0)
    cache.delete(b)
  }
})

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  let d = 0
  for (let i = 0; i < 32; i++) d |= a[i]! ^ b[i]!
  return d === 0
}

function privateKeyOf(secretKey: Uint8Array): KeyObject {
  const c = cache.get(secretKey)
  if (c !== undefined && sameBytes(c.copy, secretKey)) return c.key
  return importPrivate('X25519', secretKey)
}

/** A fresh pair: random secret imported into OpenSSL, public key read back as JWK. */
export function nodeKeyPair(): X25519Pair {
  const secretKey = randomBytes(32)
  const key = importPrivate('X25519', secretKey)
  cache.set(secretKey, { copy: secretKey.slice(), key })
  return new X25519Pair(secretKey, rawPublicOf(key))
}

/** X25519 public key of a 32-byte secret. */
export function nodePublicKey(secretKey: Uint8Array): Uint8Array {
  return rawPublicOf(importPrivate('X25519', secretKey))
}

/** X25519 shared secret; LowOrderKeyError when OpenSSL refuses the all-zero result. */
export function nodeSharedSecret(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const privateKey = privateKeyOf(secretKey)
  let out: Uint8Array
  try {
    out = plain(diffieHellman({ privateKey, publicKey: importPublic('X25519', publicKey) }))
  } catch (e) {
    // OpenSSL's X25519 fails exactly when the shared secret is all zero (RFC 7748 section 6.1)
    if ((e as { code?: unknown }).code === 'ERR_OSSL_FAILED_DURING_DERIVATION') {
      throw new LowOrderKeyError(undefined, { cause: e })
    }
    throw e
  }
  let acc = 0
  for (let i = 0; i < 32; i++) acc |= out[i]!
  if (acc === 0) throw new LowOrderKeyError()
  return out
}
