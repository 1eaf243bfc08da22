import { randomBytes } from '../bytes.js'
import type { Engine } from '../engine.js'
import { NodeVerifier } from '../node/ed25519.js'
import { X25519Pair } from '../x25519-key-pair.js'
import { sodiumBlake2b256 } from './blake2b.js'
import { LARGE_AEAD, SodiumAead, sodiumOpen, sodiumSeal } from './chacha.js'
import { SodiumSigner, SodiumVerifier } from './ed25519.js'
import type { LoadedSodium } from './sodium-native.js'
import { sodiumPublicKey, sodiumSharedSecret } from './x25519.js'

const strictVerifier = (publicKey: Uint8Array) => new NodeVerifier(publicKey)

/**
 * The libsodium engine (through `sodium-native`): Node only, used by the package root when
 * `sodium-native` loads. AEAD messages of 64 KiB and more and signatures whose R has small
 * order go to node:crypto (see `SodiumAead` and `SodiumVerifier`).
 */
export function sodiumEngine({ sodium: s, version }: LoadedSodium): Engine {
  const lib = `libsodium (sodium-native ${version})`
  const openssl = `node:crypto (OpenSSL ${process.versions.openssl})`
  return Object.freeze({
    name: 'sodium' as const,
    implementations: Object.freeze({
      aead: `${lib} below ${LARGE_AEAD >> 10} KiB, ${openssl} from ${LARGE_AEAD >> 10} KiB`,
      blake2b: lib,
      x25519: lib,
      ed25519: `${lib} + node:crypto for signatures with a small-order R`,
    }),
    edSigner: (seed: Uint8Array) => new SodiumSigner(s, seed),
    edVerifier: (publicKey: Uint8Array) => new SodiumVerifier(s, publicKey, strictVerifier),
    x25519KeyPair: () => {
      const secretKey = randomBytes(32)
      return new X25519Pair(secretKey, sodiumPublicKey(s, secretKey))
    },
    x25519PublicKey: (secretKey: Uint8Array) => sodiumPublicKey(s, secretKey),
    x25519SharedSecret: (secretKey: Uint8Array, publicKey: Uint8Array) => sodiumSharedSecret(s, secretKey, publicKey),
    aead: (key: Uint8Array) => new SodiumAead(s, key),
    seal: (key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array) => sodiumSeal(s, key, nonce, plaintext, aad),
    open: (key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array) => sodiumOpen(s, key, nonce, sealed, aad),
    blake2b256: (parts: readonly Uint8Array[], key?: Uint8Array) => sodiumBlake2b256(s, parts, key),
  })
}
