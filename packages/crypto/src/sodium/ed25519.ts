import { isAcceptablePoint } from '../ed25519-rules.js'
import type { EdSigner, EdVerifier } from '../engine.js'
import { clearScratch, scratchView, takeScratch } from './scratch.js'
import type { SodiumNative } from './sodium-native.js'

/** Ed25519 signing through libsodium (RFC 8032, deterministic); the 64-byte secret key is expanded once. */
export class SodiumSigner implements EdSigner {
  readonly publicKey: Uint8Array = new Uint8Array(32)
  readonly #s: SodiumNative
  readonly #secretKey = new Uint8Array(64)

  constructor(s: SodiumNative, seed: Uint8Array) {
    this.#s = s
    s.crypto_sign_seed_keypair(this.publicKey, this.#secretKey, seed)
  }

  sign(message: Uint8Array): Uint8Array {
    try {
      this.#s.crypto_sign_detached(scratchView(64), message, this.#secretKey)
    } catch (e) {
      clearScratch(64)
      throw e
    }
    return takeScratch(64)
  }
}

/**
 * Ed25519 verification through libsodium under this package's strict rule. libsodium checks
 * S < L, a canonical public key that is not of small order (already ensured by
 * `isAcceptablePublicKey`) and the cofactorless equation compared as bytes, like OpenSSL; it
 * also rejects every signature whose R has small order, which the package rule accepts when
 * the equation holds. Those signatures (only a signer can make one that verifies) go to the
 * `strict` verifier instead, so the accepted set is exactly the other engines'.
 */
export class SodiumVerifier implements EdVerifier {
  readonly #s: SodiumNative
  readonly #publicKey: Uint8Array
  readonly #makeStrict: (publicKey: Uint8Array) => EdVerifier
  #strict: EdVerifier | undefined

  constructor(s: SodiumNative, publicKey: Uint8Array, strict: (publicKey: Uint8Array) => EdVerifier) {
    this.#s = s
    this.#publicKey = publicKey
    this.#makeStrict = strict
  }

  verify(signature: Uint8Array, message: Uint8Array): boolean {
    if (!isAcceptablePoint(signature.subarray(0, 32))) {
      this.#strict ??= this.#makeStrict(this.#publicKey)
      return this.#strict.verify(signature, message)
    }
    try {
      return this.#s.crypto_sign_verify_detached(signature, message, this.#publicKey) === true
    } catch {
      return false
    }
  }
}
