/**
 * `@kp/crypto` outside Node (browsers, workers, Deno, Bun without the `node` condition): the
 * `web` engine. ChaCha20-Poly1305 and BLAKE2b run on @noble (synchronous, small). X25519 and
 * Ed25519 run in WebCrypto for the asynchronous calls (`x25519Exchange`, `verifyAsync`) where
 * the browser has them (detected at first use), else on @noble/curves, loaded then (a dynamic
 * import). `SigningKey` and the synchronous x25519 functions bring @noble/curves with them; a
 * synchronous `PublicKey#verify` needs it loaded (`await loadCurves()`). In Node the `node`
 * export condition selects `index.node.ts` instead, with the same API.
 * @module
 */
import type { Aead } from './aead.js'
import { type BackendInfo, describeEngine } from './backend-info.js'
import { bind } from './bind.js'
import type { HashPart } from './blake2b.js'
import type { AsyncCurveInfo, BackendName } from './engine.js'
import { webEngine as engine } from './web/engine.js'

// SigningKey and the synchronous x25519 functions live apart: a bundle that does not use them
// does not reach @noble/curves, which then stays in its own lazily loaded chunk.
export { PublicKey } from './web/public-key.js'
export { SigningKey, x25519KeyPair, x25519KeyPairFromSecret, x25519SharedSecret } from './web/sync-curves.js'
import type { X25519Exchange } from './x25519-exchange.js'

export * from './common.js'

/** The engine this entry point runs on: always `'web'` here. */
export const backend: BackendName = engine.name

/** Which engine runs each operation and why, e.g. to log `backendInfo.summary` at debug level. */
export const backendInfo: BackendInfo = /* @__PURE__ */ describeEngine(engine, 'entry point')

const f = /* @__PURE__ */ bind(engine)

/**
 * A fresh ephemeral X25519 key for one exchange, made and used asynchronously: in WebCrypto
 * where the browser has X25519 (the secret never leaves it), else on @noble/curves (loaded on
 * first use). `secretKey` (32 bytes, copied): a fixed secret, for test vectors.
 *
 * @example
 * ```ts
 * const mine = await x25519Exchange()
 * send(mine.publicKey)
 * const shared = await mine.sharedSecret(theirPublicKey)
 * mine.wipe()
 * ```
 */
export const x25519Exchange: (secretKey?: Uint8Array) => Promise<X25519Exchange> = (secretKey) => f.x25519Exchange(secretKey)
/** Loads @noble/curves, which synchronous Ed25519/X25519 calls need in browsers (once; resolves at once elsewhere). */
export const loadCurves: () => Promise<void> = () => f.loadCurves()
/** Which implementation runs `x25519Exchange` and `verifyAsync` here: `'WebCrypto'` or `'@noble/curves'` (detected once). */
export const asyncCurveInfo: () => Promise<AsyncCurveInfo> = () => f.asyncCurveInfo()
/** ChaCha20-Poly1305 seal (RFC 8439): returns ciphertext ‖ 16-byte tag. Prefer `aead(key)` for many messages. */
export const seal: (key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array) => Uint8Array = (key, nonce, plaintext, aad) =>
  f.seal(key, nonce, plaintext, aad)
/** ChaCha20-Poly1305 open: plaintext, or `AeadError` (code `'kp.Aead'`) and no plaintext. */
export const open: (key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array) => Uint8Array = (key, nonce, sealed, aad) =>
  f.open(key, nonce, sealed, aad)
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
export const aead: (key: Uint8Array) => Aead = (key) => f.aead(key)
/**
 * `H(x)` of the protocol: unkeyed BLAKE2b with a 32-byte output (RFC 7693) of the concatenation
 * of `parts`, fed without concatenating. Strings are UTF-8 (the protocol's labels are ASCII).
 *
 * @example
 * ```ts
 * const th1 = hash('kp1-th1', hello, ephemeralServerPublic)
 * ```
 */
export const hash: (...parts: HashPart[]) => Uint8Array = (...parts) => f.hash(...parts)
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
export const kdf: (key: Uint8Array, ...parts: HashPart[]) => Uint8Array = (key, ...parts) => f.kdf(key, ...parts)
