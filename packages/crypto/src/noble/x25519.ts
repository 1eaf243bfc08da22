import { x25519 } from '@noble/curves/ed25519.js'
import { LowOrderKeyError } from '../low-order-key-error.js'

/** X25519 public key of a 32-byte secret (RFC 7748 section 6.1). */
export function noblePublicKey(secretKey: Uint8Array): Uint8Array {
  return x25519.getPublicKey(secretKey)
}

/** X25519 shared secret; LowOrderKeyError for a low-order peer key (all-zero result). */
export function nobleSharedSecret(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  let out: Uint8Array
  try {
    // noble rejects the low-order u values (the inputs that give an all-zero result) before
    // running the ladder, with this one error; any other error is a bug and propagates.
    out = x25519.scalarMult(secretKey, publicKey)
  } catch (e) {
    if (e instanceof Error && /invalid private or public key/.test(e.message)) {
      throw new LowOrderKeyError(undefined, { cause: e })
    }
    throw e
  }
  let acc = 0
  for (let i = 0; i < 32; i++) acc |= out[i]!
  if (acc === 0) throw new LowOrderKeyError()
  return out
}
