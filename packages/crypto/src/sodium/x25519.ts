import { LowOrderKeyError } from '../low-order-key-error.js'
import type { SodiumNative } from './sodium-native.js'

/** X25519 public key of a 32-byte secret (RFC 7748 section 6.1) through libsodium. */
export function sodiumPublicKey(s: SodiumNative, secretKey: Uint8Array): Uint8Array {
  const q = new Uint8Array(32)
  s.crypto_scalarmult_base(q, secretKey)
  return q
}

/**
 * X25519 shared secret through libsodium; LowOrderKeyError for a low-order peer key. libsodium
 * fails (status -1) exactly when the result would be all zero: it refuses the low-order u
 * values up front and checks the output.
 */
export function sodiumSharedSecret(s: SodiumNative, secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const q = new Uint8Array(32)
  try {
    s.crypto_scalarmult(q, secretKey, publicKey)
  } catch (e) {
    if (e instanceof Error && /status/.test(e.message)) throw new LowOrderKeyError(undefined, { cause: e })
    throw e
  }
  let acc = 0
  for (let i = 0; i < 32; i++) acc |= q[i]!
  if (acc === 0) throw new LowOrderKeyError()
  return q
}
