import type { Aead } from './aead.js'
import type { X25519Exchange } from './x25519-exchange.js'
import type { X25519KeyPair } from './x25519-key-pair.js'

/**
 * The engines: libsodium through `sodium-native`, node:crypto (OpenSSL), pure-JavaScript noble,
 * and `web` (browsers: noble's ChaCha20-Poly1305 and BLAKE2b, WebCrypto's X25519 and Ed25519
 * where the browser has them, else @noble/curves loaded on first use).
 */
export type BackendName = 'sodium' | 'node' | 'noble' | 'web'

/** An Ed25519 signing key inside an engine (its KeyObject or expanded secret is cached). */
export interface EdSigner {
  /** 32-byte public key. */
  readonly publicKey: Uint8Array
  /** 64-byte RFC 8032 signature. */
  sign(message: Uint8Array): Uint8Array
}

/** An Ed25519 public key inside an engine, for repeated verification. */
export interface EdVerifier {
  /** Cofactorless RFC 8032 check; never throws for bad data. */
  verify(signature: Uint8Array, message: Uint8Array): boolean
}

/** An Ed25519 public key inside an engine, verified asynchronously (WebCrypto). */
export interface AsyncEdVerifier {
  /** Cofactorless RFC 8032 check of a 64-byte signature with S < L; never rejects for bad data. */
  verify(signature: Uint8Array, message: Uint8Array): Promise<boolean>
}

/** Which library runs each operation of an engine, for people to read (logs, README). */
export interface EngineImplementations {
  readonly aead: string
  readonly blake2b: string
  readonly x25519: string
  readonly ed25519: string
}

/**
 * The raw operations one engine (sodium, node:crypto or noble) provides. Arguments are already
 * validated (types, lengths) and owned by the callee where noted; results are plain Uint8Arrays.
 */
export interface Engine {
  readonly name: BackendName
  /** Which library runs each operation. */
  readonly implementations: EngineImplementations
  /** `seed`: a private 32-byte copy the signer may keep. */
  edSigner(seed: Uint8Array): EdSigner
  /** `publicKey`: a private copy that passed `isAcceptablePublicKey`. */
  edVerifier(publicKey: Uint8Array): EdVerifier
  x25519KeyPair(): X25519KeyPair
  x25519PublicKey(secretKey: Uint8Array): Uint8Array
  /** Throws LowOrderKeyError when the result would be all zero. */
  x25519SharedSecret(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array
  /**
   * `key`: a private 32-byte copy. Arguments of the returned object are validated by the
   * caller (lengths, offsets, the aliasing rule of `sealInto` / `openInto`).
   */
  aead(key: Uint8Array): Aead
  /** One-shot seal; arguments validated. */
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array
  /** One-shot open; arguments validated, `sealed` has at least 16 bytes. */
  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array
  /** BLAKE2b with a 32-byte output over the concatenation of `parts`, keyed when `key` (32 bytes) is given. */
  blake2b256(parts: readonly Uint8Array[], key?: Uint8Array): Uint8Array
  /**
   * Optional: an asynchronous X25519 exchange (the web engine runs it in WebCrypto where it
   * can). `secretKey`: a private 32-byte copy. Engines without it run the synchronous functions.
   */
  x25519Exchange?(secretKey?: Uint8Array): Promise<X25519Exchange>
  /** Optional: asynchronous verification; `publicKey` is a private copy that passed `isAcceptablePublicKey`. */
  edVerifierAsync?(publicKey: Uint8Array): AsyncEdVerifier
  /** Optional: loads what the synchronous curve operations need (the web engine's @noble/curves). */
  loadCurves?(): Promise<void>
  /** Optional: which implementation runs the asynchronous curve operations (after feature detection). */
  asyncCurves?(): Promise<AsyncCurveInfo>
}

/** Which implementation runs `x25519Exchange` and `PublicKey#verifyAsync`. */
export interface AsyncCurveInfo {
  readonly x25519: string
  readonly ed25519: string
}
