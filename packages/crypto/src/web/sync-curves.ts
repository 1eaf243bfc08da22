import { bind } from '../bind.js'
import { nobleCurves } from '../noble/curves.js'
import { BaseSigningKey } from '../signing-key.js'
import type { X25519KeyPair } from '../x25519-key-pair.js'
import { webEngineWith } from './engine.js'
import { PublicKey } from './public-key.js'

// The part of the browser entry that is synchronous on the curves, so brings @noble/curves
// into the bundle: SigningKey and the x25519 key-pair functions. Apart from index.ts so that a
// bundle that uses none of them (a client that only pins the server) leaves @noble/curves in
// its own chunk, loaded only where WebCrypto cannot serve.

/**
 * An Ed25519 identity; see `BaseSigningKey` for the methods. Synchronous everywhere: using it
 * bundles @noble/curves.
 *
 * @example
 * ```ts
 * const me = SigningKey.generate()
 * const sig = me.sign(new TextEncoder().encode('hello'))
 * me.publicKey.verify(sig, new TextEncoder().encode('hello')) // true
 * ```
 */
export class SigningKey extends BaseSigningKey {
  static override readonly engine = /* @__PURE__ */ webEngineWith(nobleCurves)
  static override readonly PublicKey = PublicKey
  declare readonly publicKey: PublicKey
}

const f = /* @__PURE__ */ bind(/* @__PURE__ */ webEngineWith(nobleCurves))

/** A fresh ephemeral X25519 key pair (RFC 7748). `wipe(pair.secretKey)` when done. Bundles @noble/curves. */
export const x25519KeyPair: () => X25519KeyPair = () => f.x25519KeyPair()
/** The X25519 pair of a 32-byte secret (copied); for test vectors and stored keys. Bundles @noble/curves. */
export const x25519KeyPairFromSecret: (secretKey: Uint8Array) => X25519KeyPair = (secretKey) => f.x25519KeyPairFromSecret(secretKey)
/**
 * X25519(secretKey, peerPublicKey): 32 bytes. Throws `LowOrderKeyError` (a `CryptoError`,
 * code `'kp.LowOrderKey'`) when the peer key has low order and the result would be all zero.
 * Bundles @noble/curves.
 */
export const x25519SharedSecret: (secretKey: Uint8Array, peerPublicKey: Uint8Array) => Uint8Array = (secretKey, peerPublicKey) =>
  f.x25519SharedSecret(secretKey, peerPublicKey)
