import { type Aead, CheckedAead, checkOpen, checkSeal } from './aead.js'
import { abytes } from './assert.js'
import { type HashPart, partsToBytes } from './blake2b.js'
import type { AsyncCurveInfo, Engine } from './engine.js'
import { exchangeOn, type X25519Exchange } from './x25519-exchange.js'
import { X25519Pair, type X25519KeyPair } from './x25519-key-pair.js'

/** The engine-dependent functions of the public API, with argument checks. */
export interface BoundFunctions {
  x25519KeyPair(): X25519KeyPair
  x25519KeyPairFromSecret(secretKey: Uint8Array): X25519KeyPair
  x25519SharedSecret(secretKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array
  x25519Exchange(secretKey?: Uint8Array): Promise<X25519Exchange>
  loadCurves(): Promise<void>
  asyncCurveInfo(): Promise<AsyncCurveInfo>
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array
  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array
  aead(key: Uint8Array): Aead
  hash(...parts: HashPart[]): Uint8Array
  kdf(key: Uint8Array, ...parts: HashPart[]): Uint8Array
}

/** Binds the functions of the public API to one engine. */
export function bind(engine: Engine): BoundFunctions {
  return {
    x25519KeyPair: () => engine.x25519KeyPair(),
    x25519KeyPairFromSecret(secretKey) {
      abytes(secretKey, 'secretKey', 32)
      const copy = secretKey.slice()
      return new X25519Pair(copy, engine.x25519PublicKey(copy))
    },
    x25519SharedSecret(secretKey, peerPublicKey) {
      abytes(secretKey, 'secretKey', 32)
      abytes(peerPublicKey, 'peerPublicKey', 32)
      return engine.x25519SharedSecret(secretKey, peerPublicKey)
    },
    x25519Exchange: (secretKey) => exchangeOn(engine, secretKey),
    loadCurves: () => (engine.loadCurves ? engine.loadCurves() : Promise.resolve()),
    asyncCurveInfo: () =>
      engine.asyncCurves ? engine.asyncCurves() : Promise.resolve({ x25519: engine.implementations.x25519, ed25519: engine.implementations.ed25519 }),
    seal(key, nonce, plaintext, aad) {
      abytes(key, 'key', 32)
      checkSeal(nonce, plaintext, aad)
      return engine.seal(key, nonce, plaintext, aad)
    },
    open(key, nonce, sealed, aad) {
      abytes(key, 'key', 32)
      checkOpen(nonce, sealed, aad)
      return engine.open(key, nonce, sealed, aad)
    },
    aead: (key) => new CheckedAead(engine, key),
    // rest parameters are a fresh array on every call: partsToBytes may rewrite it in place
    hash: (...parts) => engine.blake2b256(partsToBytes(parts)),
    kdf(key, ...parts) {
      abytes(key, 'key', 32)
      return engine.blake2b256(partsToBytes(parts), key)
    },
  }
}
