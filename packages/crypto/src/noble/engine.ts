import type { Engine } from '../engine.js'
import { randomBytes } from '../bytes.js'
import { X25519Pair } from '../x25519-key-pair.js'
import { NobleAead, nobleOpen, nobleSeal } from './chacha.js'
import { NobleSigner, NobleVerifier } from './ed25519.js'
import { noblePublicKey, nobleSharedSecret } from './x25519.js'

/** The pure-JavaScript backend (@noble/curves, @noble/ciphers): any platform. */
export const nobleEngine: Engine = Object.freeze({
  name: 'noble' as const,
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
})
