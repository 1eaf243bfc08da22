import { LowOrderKeyError } from '../low-order-key-error.js'
import { clearScratch, scratchView, takeScratch } from './scratch.js'
import type { SodiumNative } from './sodium-native.js'

/** X25519 public key of a 32-byte secret (RFC 7748 section 6.1) through libsodium. */
export function sodiumPublicKey(s: SodiumNative, secretKey: Uint8Array): Uint8Array {
  try {
    s.crypto_scalarmult_base(scratchView(32), secretKey)
  } catch (e) {
    clearScratch(32)
    throw e
  }
  return takeScratch(32)
}

/**
 * X25519 shared secret through libsodium; LowOrderKeyError for a low-order peer key. libsodium
 * fails (status -1) exactly when the result would be all zero: it refuses the low-order u
 * values up front and checks the output.
 */
export function sodiumSharedSecret(s: SodiumNative, secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const q = scratchView(32)
  try {
    s.crypto_scalarmult(q, secretKey, publicKey)
  } catch (e) {
    clearScratch(32)
    if (e instanceof Error && /status/.test(e.message)) throw new LowOrderKeyError(undefined, { cause: e })
    throw e
  }
  const out = takeScratch(32)
  let acc = 0
  for (let i = 0; i < 32; i++) acc |= out[i]!
  if (acc === 0) throw new LowOrderKeyError()
  return out
}
