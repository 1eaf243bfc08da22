/**
 * `@kp/crypto/noble`: the whole API on the pure-JavaScript backend (@noble/*), on every
 * platform. The package root gives the same API on node:crypto in Node.
 * @module
 */
import type { Aead } from './aead.js'
import { bind } from './bind.js'
import { nobleEngine as engine } from './noble/engine.js'
import { BasePublicKey } from './public-key.js'
import { BaseSigningKey } from './signing-key.js'
import type { X25519KeyPair } from './x25519-key-pair.js'

export * from './common.js'

/** Which implementation this entry point uses. */
export const backend: 'node' | 'noble' = engine.name

/** An Ed25519 public key (a peer id); see `BasePublicKey` for the methods. */
export class PublicKey extends BasePublicKey {
  static override readonly engine = engine
}

/**
 * An Ed25519 identity; see `BaseSigningKey` for the methods.
 *
 * @example
 * ```ts
 * const me = SigningKey.generate()
 * const sig = me.sign(new TextEncoder().encode('hello'))
 * me.publicKey.verify(sig, new TextEncoder().encode('hello')) // true
 * ```
 */
export class SigningKey extends BaseSigningKey {
  static override readonly engine = engine
  static override readonly PublicKey = PublicKey
  declare readonly publicKey: PublicKey
}

const f = bind(engine)

/** A fresh ephemeral X25519 key pair (RFC 7748). `wipe(pair.secretKey)` when done. */
export const x25519KeyPair: () => X25519KeyPair = f.x25519KeyPair
/** The X25519 pair of a 32-byte secret (copied); for test vectors and stored keys. */
export const x25519KeyPairFromSecret: (secretKey: Uint8Array) => X25519KeyPair = f.x25519KeyPairFromSecret
/**
 * X25519(secretKey, peerPublicKey): 32 bytes. Throws `LowOrderKeyError` (a `CryptoError`,
 * code `'kp.LowOrderKey'`) when the peer key has low order and the result would be all zero.
 */
export const x25519SharedSecret: (secretKey: Uint8Array, peerPublicKey: Uint8Array) => Uint8Array =
  f.x25519SharedSecret
/** ChaCha20-Poly1305 seal (RFC 8439): returns ciphertext ‖ 16-byte tag. Prefer `aead(key)` for many messages. */
export const seal: (key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array) => Uint8Array =
  f.seal
/** ChaCha20-Poly1305 open: plaintext, or `AeadError` (code `'kp.Aead'`) and no plaintext. */
export const open: (key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array) => Uint8Array = f.open
/**
 * ChaCha20-Poly1305 bound to `key` (copied), for the records hot path.
 *
 * @example
 * ```ts
 * const tx = aead(kC2s)
 * const nonce = new Uint8Array(12)
 * const record = tx.seal(counterNonce(0, nonce), message)
 * ```
 */
export const aead: (key: Uint8Array) => Aead = f.aead
