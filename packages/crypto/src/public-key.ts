// biome-ignore-all lint/complexity/noThisInStatic: the static factories are polymorphic: each entry point's subclass binds its backend
import { abytes, astring, describe, isBytes } from './assert.js'
import { constantTimeEqual } from './bytes.js'
import { isAcceptablePublicKey } from './ed25519-rules.js'
import { bytesToBase64url, bytesToHex } from './encoding.js'
import type { AsyncEdVerifier, EdVerifier, Engine } from './engine.js'
import { ed25519Spki } from './key-der.js'
import { describeKeyBytes, parsePublicKeyText } from './key-format.js'
import { formatPem } from './pem.js'

const BRAND: unique symbol = Symbol.for('kp.crypto.PublicKey')
const INSPECT = Symbol.for('nodejs.util.inspect.custom')
/** Passed to the constructor by the static factories only. */
export const INTERNAL: unique symbol = Symbol('kp.crypto.internal')

/** The static side of a backend's PublicKey class. */
export interface PublicKeyClass<T extends BasePublicKey = BasePublicKey> {
  readonly prototype: T
  readonly engine: Engine
}

const REJECT_ALL: EdVerifier = { verify: () => false }

/**
 * Decodes a peer id string: 64 hex digits, 43 base64url characters or a PEM "PUBLIC KEY";
 * surrounding whitespace is ignored.
 */
export function publicKeyBytesFromString(s: string, name: string): Uint8Array {
  return parsePublicKeyText(s, name, 'any')
}

/**
 * An Ed25519 public key: a peer id. Immutable. Shared implementation of the `PublicKey`
 * classes each entry point exports (they differ only in the engine that verifies).
 */
export class BasePublicKey {
  /** The backend that verifies for this class; set by each entry's subclass. */
  static readonly engine: Engine
  readonly [BRAND] = true
  readonly #bytes: Uint8Array
  readonly #engine: Engine
  #verifier: EdVerifier | undefined
  #asyncVerifier: AsyncEdVerifier | undefined
  #fingerprint: string | undefined

  /** Internal: use `PublicKey.fromBytes` / `fromHex` / `fromBase64url` / `from`. */
  protected constructor(token: typeof INTERNAL, bytes: Uint8Array, engine: Engine) {
    if (token !== INTERNAL || engine === undefined) throw new TypeError('use PublicKey.fromBytes() to make a PublicKey')
    this.#bytes = bytes
    this.#engine = engine
  }

  /** Wraps 32 bytes (copied). Any 32 bytes are accepted; a key that can never verify (see README) makes `verify` return false. */
  static fromBytes<T extends BasePublicKey>(this: PublicKeyClass<T>, bytes: Uint8Array): T {
    return construct(this, publicKeyBytes(bytes).slice())
  }

  /** Parses 64 hex digits (either case); surrounding whitespace (a trailing newline) is ignored. */
  static fromHex<T extends BasePublicKey>(this: PublicKeyClass<T>, hex: string): T {
    return construct(this, parsePublicKeyText(astring(hex, 'publicKey'), 'publicKey', 'hex'))
  }

  /** Parses 43 unpadded base64url characters; surrounding whitespace is ignored. */
  static fromBase64url<T extends BasePublicKey>(this: PublicKeyClass<T>, s: string): T {
    return construct(this, parsePublicKeyText(astring(s, 'publicKey'), 'publicKey', 'base64url'))
  }

  /**
   * Parses OpenSSL's PEM of an Ed25519 public key (`-----BEGIN PUBLIC KEY-----`, the
   * SubjectPublicKeyInfo of RFC 8410), as `openssl pkey -in key.pem -pubout` writes it. Text
   * around the block is ignored. A private key, another key type or an encrypted key is
   * refused with a RangeError that says which it is.
   */
  static fromPem<T extends BasePublicKey>(this: PublicKeyClass<T>, pem: string): T {
    return construct(this, parsePublicKeyText(astring(pem, 'publicKey'), 'publicKey', 'pem'))
  }

  /**
   * Accepts a PublicKey (of any backend; returned as is when it is already of this class), 32
   * bytes, or a string: 64 hex digits, 43 base64url characters or a PEM "PUBLIC KEY" (surrounding
   * whitespace ignored, so a file's content works as is). A wrong input is refused with a
   * RangeError saying what it looks like (hex of another length, standard base64, a private key,
   * another key type, ...).
   *
   * @example
   * ```ts
   * const pin = PublicKey.from('3q2-7w...')                           // from config
   * const pin2 = PublicKey.from(readFileSync('server.pub', 'utf8'))   // a PEM or one line of text
   * ```
   */
  static from<T extends BasePublicKey>(this: PublicKeyClass<T>, x: BasePublicKey | Uint8Array | string): T {
    if (isPublicKey(x)) return Object.getPrototypeOf(x) === this.prototype ? (x as T) : construct(this, x.bytes)
    if (isBytes(x)) return construct(this, publicKeyBytes(x).slice())
    if (typeof x === 'string') return construct(this, publicKeyBytesFromString(x, 'publicKey'))
    if (isSigningKeyLike(x)) {
      throw new TypeError('"publicKey" expected PublicKey, Uint8Array or string, got a SigningKey (a secret key): pass its .publicKey')
    }
    throw new TypeError(`"publicKey" expected PublicKey, Uint8Array or string, got ${describe(x)}`)
  }

  /** The 32 key bytes: a fresh copy on every read (the key itself cannot change). */
  get bytes(): Uint8Array {
    return this.#bytes.slice()
  }

  /**
   * Checks an Ed25519 signature under strict rules (identical in every engine;
   * see the README). Returns false for any bad signature, including one of the wrong length;
   * throws TypeError only when an argument is not a Uint8Array.
   */
  verify(signature: Uint8Array, message: Uint8Array): boolean {
    abytes(signature, 'signature')
    abytes(message, 'message')
    if (signature.length !== 64) return false
    let v = this.#verifier
    if (v === undefined) {
      v = isAcceptablePublicKey(this.#bytes) ? this.#engine.edVerifier(this.#bytes) : REJECT_ALL
      this.#verifier = v
    }
    return v.verify(signature, message)
  }

  /**
   * `verify` that may run asynchronously: in browsers with Ed25519 in WebCrypto it runs there
   * (no curve code is loaded); elsewhere it is `verify`. Same strict rules, same verdicts.
   * Rejects with TypeError only when an argument is not a Uint8Array. The arguments are copied
   * at the call.
   */
  async verifyAsync(signature: Uint8Array, message: Uint8Array): Promise<boolean> {
    const engine = this.#engine
    if (engine.edVerifierAsync === undefined) return this.verify(signature, message)
    abytes(signature, 'signature')
    abytes(message, 'message')
    if (signature.length !== 64 || !isAcceptablePublicKey(this.#bytes)) return false
    this.#asyncVerifier ??= engine.edVerifierAsync(this.#bytes)
    return this.#asyncVerifier.verify(signature.slice(), message.slice())
  }

  /** Compares with another key or 32 bytes in constant time. */
  equals(other: BasePublicKey | Uint8Array): boolean {
    if (isPublicKey(other)) return constantTimeEqual(this.#bytes, #bytes in other ? other.#bytes : (other as BasePublicKey).bytes)
    if (isBytes(other)) return constantTimeEqual(this.#bytes, other)
    throw new TypeError(`"other" expected PublicKey or Uint8Array, got ${describe(other)}`)
  }

  /** 64 lowercase hex digits. */
  toHex(): string {
    return bytesToHex(this.#bytes)
  }

  /** 43 base64url characters, no padding: the compact peer id form. */
  toBase64url(): string {
    return bytesToBase64url(this.#bytes)
  }

  /**
   * A short form for people to compare: the first 8 bytes of BLAKE2b-256(key bytes) as four
   * dash-separated groups of 4 lowercase hex digits, e.g. `3f2a-9c01-7be4-d556`. Not unique
   * enough to be an id: compare full keys in code.
   */
  fingerprint(): string {
    if (this.#fingerprint === undefined) {
      const h = bytesToHex(this.#engine.blake2b256([this.#bytes]).subarray(0, 8))
      this.#fingerprint = `${h.slice(0, 4)}-${h.slice(4, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}`
    }
    return this.#fingerprint
  }

  /**
   * OpenSSL's PEM of this key (`-----BEGIN PUBLIC KEY-----`, SubjectPublicKeyInfo), byte-equal
   * to `openssl pkey -pubout`; ends with a newline.
   */
  toPem(): string {
    return formatPem('PUBLIC KEY', ed25519Spki(this.#bytes))
  }

  /** The base64url form (so `PublicKey.from(String(key))` round-trips). */
  toString(): string {
    return this.toBase64url()
  }

  /** The base64url form. */
  toJSON(): string {
    return this.toBase64url()
  }

  [INSPECT](): string {
    return `PublicKey(${this.toBase64url()} ${this.fingerprint()})`
  }
}

/** True for a PublicKey of any backend or copy of this package. */
export function isPublicKey(x: unknown): x is BasePublicKey {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[BRAND] === true
}

/** 32 bytes, or a RangeError that says what the bytes look like. */
function publicKeyBytes(bytes: Uint8Array): Uint8Array {
  abytes(bytes, 'publicKey')
  if (bytes.length !== 32) {
    const hint = bytes.length === 64 ? ': the size of a libsodium secret key or a signature, not a public key' : ''
    throw new RangeError(`"publicKey" expected Uint8Array of length 32, got ${describeKeyBytes(bytes)}${hint}`)
  }
  return bytes
}

/** A SigningKey of any backend or copy (brand set in signing-key.ts). */
function isSigningKeyLike(x: unknown): boolean {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[Symbol.for('kp.crypto.SigningKey')] === true
}

function construct<T extends BasePublicKey>(cls: PublicKeyClass<T>, bytes: Uint8Array): T {
  const C = cls as unknown as new (token: typeof INTERNAL, bytes: Uint8Array, engine: Engine) => T
  return new C(INTERNAL, bytes, cls.engine)
}
