import { abytes } from './assert.js'
import { wipe } from './bytes.js'
import type { Engine } from './engine.js'

/**
 * One ephemeral X25519 key, made and used asynchronously: in browsers that have X25519 in
 * WebCrypto the secret stays inside WebCrypto; elsewhere it is an ordinary key pair. Use it
 * for one exchange, then `wipe()` it.
 */
export interface X25519Exchange {
  /** The 32-byte public key to send to the peer. */
  readonly publicKey: Uint8Array
  /**
   * X25519(secret, peerPublicKey): 32 bytes. Rejects with `LowOrderKeyError` (code
   * `'kp.LowOrderKey'`) when the peer key has low order and the result would be all zero.
   */
  sharedSecret(peerPublicKey: Uint8Array): Promise<Uint8Array>
  /** Forgets the secret (zero-fills it where it is bytes). */
  wipe(): void
}

/** An exchange on an engine's synchronous X25519 (`secretKey`: a private copy, or none for a fresh one). */
export function syncExchange(engine: Pick<Engine, 'x25519KeyPair' | 'x25519PublicKey' | 'x25519SharedSecret'>, secretKey?: Uint8Array): X25519Exchange {
  const pair = secretKey === undefined ? engine.x25519KeyPair() : { secretKey, publicKey: engine.x25519PublicKey(secretKey) }
  const secret = pair.secretKey
  return {
    publicKey: pair.publicKey,
    sharedSecret: async (peerPublicKey) => engine.x25519SharedSecret(secret, abytes(peerPublicKey, 'peerPublicKey', 32)),
    wipe: () => wipe(secret),
  }
}

/** `x25519Exchange` of the public API on `engine`: its asynchronous exchange when it has one. */
export function exchangeOn(engine: Engine, secretKey: Uint8Array | undefined): Promise<X25519Exchange> {
  try {
    const copy = secretKey === undefined ? undefined : abytes(secretKey, 'secretKey', 32).slice()
    return engine.x25519Exchange ? engine.x25519Exchange(copy) : Promise.resolve(syncExchange(engine, copy))
  } catch (e) {
    return Promise.reject(e)
  }
}
