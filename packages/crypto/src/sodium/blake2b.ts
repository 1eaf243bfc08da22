import type { SodiumNative } from './sodium-native.js'

const EMPTY = new Uint8Array(0)

/** BLAKE2b-256 (crypto_generichash) through libsodium; several parts go in one native call. */
export function sodiumBlake2b256(s: SodiumNative, parts: readonly Uint8Array[], key?: Uint8Array): Uint8Array {
  const out = new Uint8Array(32)
  if (parts.length === 1) s.crypto_generichash(out, parts[0]!, key)
  else if (parts.length === 0) s.crypto_generichash(out, EMPTY, key)
  else s.crypto_generichash_batch(out, parts, key)
  return out
}
