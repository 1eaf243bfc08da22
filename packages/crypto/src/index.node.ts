/**
 * `@kp/crypto` in Node: the whole API on libsodium through the optional dependency
 * `sodium-native` when it loads, else on node:crypto (OpenSSL) for X25519, Ed25519 and
 * ChaCha20-Poly1305 with BLAKE2b on @noble/hashes. `KP_CRYPTO_ENGINE=sodium|node|noble` forces
 * an engine. Same API as `@kp/crypto/noble`.
 * @module
 */
import type { Aead } from './aead.js'
import type { BackendInfo } from './backend-info.js'
import { bind } from './bind.js'
import type { HashPart } from './blake2b.js'
import type { AsyncCurveInfo, BackendName } from './engine.js'
import { ENGINE_ENV, selectEngine } from './node/select-engine.js'
import { BasePublicKey } from './public-key.js'
import { BaseSigningKey } from './signing-key.js'
import { requireSodium } from './sodium/load.js'
import type { X25519Exchange } from './x25519-exchange.js'
import type { X25519KeyPair } from './x25519-key-pair.js'

const selection = selectEngine(process.env[ENGINE_ENV], requireSodium)
const engine = selection.engine

export * from './common.js'

/**
 * The engine this entry point runs on: `'sodium'` when the optional dependency `sodium-native`
 * loads, else `'node'` (node:crypto); `KP_CRYPTO_ENGINE=sodium|node|noble` forces one.
 */
export const backend: BackendName = engine.name

/**
 * Which engine runs each operation and why (including why sodium-native is not used, when it
 * is not), e.g. to log `backendInfo.summary` at debug level.
 */
export const backendInfo: BackendInfo = selection.info

/** An Ed25519 public key (a peer id); see `BasePublicKey` for the methods. */
export class PublicKey extends BasePublicKey {
  static override readonly engine = engine
}

/**
 * An Ed25519 identity; see `BaseSigningKey` for the methods.
 *
 * @example
 * ```ts
 * const me = SigningKey.generate()
 * const sig = me.sign(new TextEncoder().encode('hello'))
 * me.publicKey.verify(sig, new TextEncoder().encode('hello')) // true
 * ```
 */
export class SigningKey extends BaseSigningKey {
  static override readonly engine = engine
  static override readonly PublicKey = PublicKey
  declare readonly publicKey: PublicKey
}

const f = bind(engine)

/** A fresh ephemeral X25519 key pair (RFC 7748). `wipe(pair.secretKey)` when done. */
export const x25519KeyPair: () => X25519KeyPair = f.x25519KeyPair
/** The X25519 pair of a 32-byte secret (copied); for test vectors and stored keys. */
export const x25519KeyPairFromSecret: (secretKey: Uint8Array) => X25519KeyPair = f.x25519KeyPairFromSecret
/**
 * X25519(secretKey, peerPublicKey): 32 bytes. Throws `LowOrderKeyError` (a `CryptoError`,
 * code `'kp.LowOrderKey'`) when the peer key has low order and the result would be all zero.
 */
export const x25519SharedSecret: (secretKey: Uint8Array, peerPublicKey: Uint8Array) => Uint8Array = f.x25519SharedSecret
/**
 * A fresh ephemeral X25519 key for one exchange, used asynchronously (here on this entry's
 * engine; in browsers in WebCrypto where it can). `secretKey` (32 bytes, copied): a fixed
 * secret, for test vectors.
 *
 * @example
 * ```ts
 * const mine = await x25519Exchange()
 * send(mine.publicKey)
 * const shared = await mine.sharedSecret(theirPublicKey)
 * mine.wipe()
 * ```
 */
export const x25519Exchange: (secretKey?: Uint8Array) => Promise<X25519Exchange> = f.x25519Exchange
/** Loads what synchronous Ed25519/X25519 calls need: nothing here (resolves at once); in browsers @noble/curves. */
export const loadCurves: () => Promise<void> = f.loadCurves
/** Which implementation runs `x25519Exchange` and `verifyAsync` here (this entry's engine; in browsers WebCrypto or @noble/curves). */
export const asyncCurveInfo: () => Promise<AsyncCurveInfo> = f.asyncCurveInfo
/** ChaCha20-Poly1305 seal (RFC 8439): returns ciphertext ‖ 16-byte tag. Prefer `aead(key)` for many messages. */
export const seal: (key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array) => Uint8Array = f.seal
/** ChaCha20-Poly1305 open: plaintext, or `AeadError` (code `'kp.Aead'`) and no plaintext. */
export const open: (key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array) => Uint8Array = f.open
/**
 * ChaCha20-Poly1305 bound to `key` (copied), for the records hot path: `seal` / `open`, and
 * `sealInto` / `openInto` to work inside a frame buffer without allocating the result.
 *
 * @example
 * ```ts
 * const tx = aead(kC2s)
 * const nonce = new Uint8Array(12)
 * const record = tx.seal(counterNonce(0, nonce), message)
 * ```
 */
export const aead: (key: Uint8Array) => Aead = f.aead
/**
 * `H(x)` of the protocol: unkeyed BLAKE2b with a 32-byte output (RFC 7693) of the concatenation
 * of `parts`, fed without concatenating. Strings are UTF-8 (the protocol's labels are ASCII).
 *
 * @example
 * ```ts
 * const th1 = hash('kp1-th1', hello, ephemeralServerPublic)
 * ```
 */
export const hash: (...parts: HashPart[]) => Uint8Array = f.hash
/**
 * `KDF(k, x)` of the protocol: BLAKE2b keyed with the 32-byte `key`, 32-byte output, over the
 * concatenation of `parts` (strings are UTF-8 / ASCII labels).
 *
 * @example
 * ```ts
 * const kC2s = kdf(master, 'kp1-c2s')
 * const hs = kdf(dh, 'kp1-hs', th1)
 * ```
 */
export const kdf: (key: Uint8Array, ...parts: HashPart[]) => Uint8Array = f.kdf
