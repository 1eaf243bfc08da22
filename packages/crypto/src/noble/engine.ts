import { randomBytes } from '../bytes.js'
import type { Engine } from '../engine.js'
import { X25519Pair } from '../x25519-key-pair.js'
import { nobleBlake2b256 } from './blake2b.js'
import { NobleAead, nobleOpen, nobleSeal } from './chacha.js'
import { NobleSigner, NobleVerifier } from './ed25519.js'
import { noblePublicKey, nobleSharedSecret } from './x25519.js'

/** The pure-JavaScript engine (@noble/curves, @noble/ciphers, @noble/hashes): any platform. */
export const nobleEngine: Engine = Object.freeze({
  name: 'noble' as const,
  implementations: Object.freeze({
    aead: '@noble/ciphers',
    blake2b: '@noble/hashes',
    x25519: '@noble/curves',
    ed25519: '@noble/curves',
  }),
  edSigner: (seed: Uint8Array) => new NobleSigner(seed),
  edVerifier: (publicKey: Uint8Array) => new NobleVerifier(publicKey),
  x25519KeyPair: () => {
    const secretKey = randomBytes(32)
    return new X25519Pair(secretKey, noblePublicKey(secretKey))
  },
  x25519PublicKey: noblePublicKey,
  x25519SharedSecret: nobleSharedSecret,
  aead: (key: Uint8Array) => new NobleAead(key),
  seal: nobleSeal,
  open: nobleOpen,
  blake2b256: nobleBlake2b256,
})
