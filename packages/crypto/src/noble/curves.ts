import { randomBytes } from '../bytes.js'
import type { Engine } from '../engine.js'
import { X25519Pair } from '../x25519-key-pair.js'
import { NobleSigner, NobleVerifier } from './ed25519.js'
import { noblePublicKey, nobleSharedSecret } from './x25519.js'

/** The curve operations of an engine: Ed25519 and X25519. */
export type Curves = Pick<Engine, 'edSigner' | 'edVerifier' | 'x25519KeyPair' | 'x25519PublicKey' | 'x25519SharedSecret'>

/**
 * Ed25519 and X25519 on @noble/curves: the noble engine's, and what the web engine loads on
 * first use (a dynamic import of this module) when WebCrypto cannot serve.
 */
export const nobleCurves: Curves = Object.freeze({
  edSigner: (seed: Uint8Array) => new NobleSigner(seed),
  edVerifier: (publicKey: Uint8Array) => new NobleVerifier(publicKey),
  x25519KeyPair: () => {
    const secretKey = randomBytes(32)
    return new X25519Pair(secretKey, noblePublicKey(secretKey))
  },
  x25519PublicKey: noblePublicKey,
  x25519SharedSecret: nobleSharedSecret,
})
