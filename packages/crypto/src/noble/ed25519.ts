import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToNumberLE, equalBytes } from '@noble/curves/utils.js'
import { sha512 } from '@noble/hashes/sha2.js'
import type { EdSigner, EdVerifier } from '../engine.js'

const Point = ed25519.Point
const Fn = Point.Fn

/** SHA-512 of the concatenation, reduced mod L (RFC 8032 section 5.1.6 / 5.1.7). */
function hashToScalar(a: Uint8Array, b: Uint8Array, c?: Uint8Array): bigint {
  const h = sha512.create().update(a).update(b)
  if (c !== undefined) h.update(c)
  return Fn.create(bytesToNumberLE(h.digest()))
}

/**
 * Ed25519 signing with the expanded secret computed once (noble's `sign` re-derives it, and
 * the public key, on every call: this halves the cost). Output is byte-equal to `ed25519.sign`.
 */
export class NobleSigner implements EdSigner {
  readonly publicKey: Uint8Array
  readonly #prefix: Uint8Array
  readonly #scalar: bigint

  constructor(seed: Uint8Array) {
    const { prefix, scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(seed)
    this.#prefix = prefix
    this.#scalar = scalar
    this.publicKey = pointBytes
  }

  sign(message: Uint8Array): Uint8Array {
    const msg = message.slice() // one snapshot for both hashes
    const r = hashToScalar(this.#prefix, msg) // RFC 8032 5.1.6 step 2
    const R = Point.BASE.multiply(r).toBytes() // step 3
    const k = hashToScalar(R, this.publicKey, msg) // step 4
    const s = Fn.create(r + k * this.#scalar) // step 5
    const sig = new Uint8Array(64)
    sig.set(R, 0)
    sig.set(Fn.toBytes(s), 32)
    return sig
  }
}

/**
 * Ed25519 verification with the cofactorless equation, compared as bytes the way OpenSSL does:
 * encode([S]B - [k]A) must equal R. The public key passed `isAcceptablePublicKey` (canonical,
 * not small order); it is decoded once.
 */
export class NobleVerifier implements EdVerifier {
  readonly #publicKey: Uint8Array
  readonly #A: InstanceType<typeof Point> | undefined

  constructor(publicKey: Uint8Array) {
    this.#publicKey = publicKey
    let A: InstanceType<typeof Point> | undefined
    try {
      A = Point.fromBytes(publicKey, false)
    } catch {
      A = undefined // not on the curve: nothing verifies
    }
    this.#A = A
  }

  verify(signature: Uint8Array, message: Uint8Array): boolean {
    const A = this.#A
    if (A === undefined) return false
    const R = signature.subarray(0, 32)
    const s = bytesToNumberLE(signature.subarray(32, 64))
    if (s >= Fn.ORDER) return false // RFC 8032 5.1.7 step 1: S in [0, L)
    const k = hashToScalar(R, this.#publicKey, message)
    const check = Point.BASE.multiplyUnsafe(s).subtract(A.multiplyUnsafe(k))
    return equalBytes(check.toBytes(), R)
  }
}
