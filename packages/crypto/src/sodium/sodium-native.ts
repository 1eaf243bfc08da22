// The part of sodium-native (libsodium through N-API, https://github.com/holepunchto/sodium-native)
// this engine calls, typed here because the package ships no types. Every function checks its
// arguments' lengths itself (and throws); a libsodium failure status throws an Error too.

/** The functions of `sodium-native` (4.x, 5.x) the sodium engine uses. */
export interface SodiumNative {
  crypto_aead_chacha20poly1305_ietf_encrypt(c: Uint8Array, m: Uint8Array, ad: Uint8Array | null, nsec: null, npub: Uint8Array, k: Uint8Array): number
  crypto_aead_chacha20poly1305_ietf_decrypt(m: Uint8Array, nsec: null, c: Uint8Array, ad: Uint8Array | null, npub: Uint8Array, k: Uint8Array): number
  crypto_generichash(output: Uint8Array, input: Uint8Array, key?: Uint8Array): void
  crypto_generichash_batch(output: Uint8Array, batch: readonly Uint8Array[], key?: Uint8Array): void
  crypto_scalarmult_base(q: Uint8Array, n: Uint8Array): void
  crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void
  crypto_sign_seed_keypair(pk: Uint8Array, sk: Uint8Array, seed: Uint8Array): void
  crypto_sign_detached(sig: Uint8Array, m: Uint8Array, sk: Uint8Array): void
  crypto_sign_verify_detached(sig: Uint8Array, m: Uint8Array, pk: Uint8Array): boolean
}

/** The names above, checked when the module loads. */
export const SODIUM_FUNCTIONS: readonly (keyof SodiumNative)[] = [
  'crypto_aead_chacha20poly1305_ietf_encrypt',
  'crypto_aead_chacha20poly1305_ietf_decrypt',
  'crypto_generichash',
  'crypto_generichash_batch',
  'crypto_scalarmult_base',
  'crypto_scalarmult',
  'crypto_sign_seed_keypair',
  'crypto_sign_detached',
  'crypto_sign_verify_detached',
]

/** A loaded sodium-native and its version, as the engine needs it. */
export interface LoadedSodium {
  readonly sodium: SodiumNative
  /** `sodium-native`'s package version, e.g. `'5.1.0'`. */
  readonly version: string
}
