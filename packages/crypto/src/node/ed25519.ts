import { createPublicKey, type KeyObject, sign, verify } from 'node:crypto'
import type { EdSigner, EdVerifier } from '../engine.js'
import { b64u, importPrivate, plain, rawPublicOf } from './jwk.js'

// Peers come back (a client reconnects to the same server, a server sees the same clients),
// and every handshake makes a new PublicKey from the bytes it received: keep the last imported
// public KeyObjects (7 us each to import). Public data only; bounded, oldest dropped first.
const recent = new Map<string, KeyObject>()
const MAX_RECENT = 256

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  const x = b64u(publicKey)
  let key = recent.get(x)
  if (key === undefined) {
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' })
    if (recent.size >= MAX_RECENT) recent.delete(recent.keys().next().value as string)
    recent.set(x, key)
  }
  return key
}

/** Ed25519 signing through OpenSSL; the KeyObject is imported once. */
export class NodeSigner implements EdSigner {
  readonly publicKey: Uint8Array
  readonly #key: KeyObject

  constructor(seed: Uint8Array) {
    this.#key = importPrivate('Ed25519', seed)
    this.publicKey = rawPublicOf(this.#key)
  }

  sign(message: Uint8Array): Uint8Array {
    return plain(sign(null, message, this.#key))
  }
}

/**
 * Ed25519 verification through OpenSSL (cofactorless, byte comparison of R, S < L). The key
 * passed `isAcceptablePublicKey`, which removes the small-order and non-canonical keys OpenSSL
 * would otherwise accept.
 */
export class NodeVerifier implements EdVerifier {
  readonly #key: KeyObject | undefined

  constructor(publicKey: Uint8Array) {
    let key: KeyObject | undefined
    try {
      key = publicKeyObject(publicKey)
    } catch {
      key = undefined
    }
    this.#key = key
  }

  verify(signature: Uint8Array, message: Uint8Array): boolean {
    if (this.#key === undefined) return false
    try {
      return verify(null, message, this.#key, signature)
    } catch {
      return false
    }
  }
}
