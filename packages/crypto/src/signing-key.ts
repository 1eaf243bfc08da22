// biome-ignore-all lint/complexity/noThisInStatic: the static factories are polymorphic: each entry point's subclass binds its backend
import { abytes, astring, describe, isBytes } from './assert.js'
import { randomBytes } from './bytes.js'
import { bytesToBase64url, bytesToHex } from './encoding.js'
import type { EdSigner, Engine } from './engine.js'
import { ed25519Pkcs8 } from './key-der.js'
import { describeKeyBytes, type KeyForm, parseSecretKeyText, type SecretKeyParts, splitLibsodium } from './key-format.js'
import { formatPem } from './pem.js'
import { type BasePublicKey, INTERNAL, isPublicKey, type PublicKeyClass } from './public-key.js'

const INSPECT = Symbol.for('nodejs.util.inspect.custom')
const BRAND: unique symbol = Symbol.for('kp.crypto.SigningKey')

/** The static side of a backend's SigningKey class. */
export interface SigningKeyClass<T extends BaseSigningKey = BaseSigningKey> {
  readonly prototype: T
  readonly engine: Engine
  readonly PublicKey: PublicKeyClass
}

/**
 * An Ed25519 identity (RFC 8032): the 32-byte secret seed and its public key. Shared
 * implementation of the `SigningKey` classes each entry point exports.
 *
 * The seed leaves the object only through `exportSeed`, `toHex` and `toBase64url`;
 * `toString`, `toJSON` and `util.inspect` show the public key only.
 */
export class BaseSigningKey {
  /** The backend that signs for this class; set by each entry's subclass. */
  static readonly engine: Engine
  /** The PublicKey class of the same backend; set by each entry's subclass. */
  static readonly PublicKey: PublicKeyClass
  /** The public half: the peer id others verify with. */
  readonly publicKey: BasePublicKey
  readonly [BRAND] = true
  readonly #seed: Uint8Array
  readonly #signer: EdSigner

  /** Internal: use `SigningKey.generate` / `fromSeed` / `fromHex` / `fromBase64url`. */
  protected constructor(token: typeof INTERNAL, seed: Uint8Array, cls: SigningKeyClass) {
    if (token !== INTERNAL || cls.engine === undefined) {
      throw new TypeError('use SigningKey.generate() or SigningKey.fromSeed()')
    }
    this.#seed = seed
    this.#signer = cls.engine.edSigner(seed)
    this.publicKey = (cls.PublicKey as unknown as { fromBytes(b: Uint8Array): BasePublicKey }).fromBytes(this.#signer.publicKey)
  }

  /** A new random identity. */
  static generate<T extends BaseSigningKey>(this: SigningKeyClass<T>): T {
    return construct(this, randomBytes(32))
  }

  /** The identity of a 32-byte seed (copied), as in RFC 8032 section 5.1.5. */
  static fromSeed<T extends BaseSigningKey>(this: SigningKeyClass<T>, seed: Uint8Array): T {
    abytes(seed, 'seed')
    if (seed.length !== 32) {
      const hint = seed.length === 64 ? ': a libsodium secret key (seed ‖ public key)? SigningKey.from() reads it' : ''
      throw new RangeError(`"seed" expected Uint8Array of length 32, got ${describeKeyBytes(seed)}${hint}`)
    }
    return construct(this, seed.slice())
  }

  /**
   * The identity of a seed given as 64 hex digits, or of a libsodium secret key (seed ‖ public
   * key) given as 128 (its public half must match the seed). Surrounding whitespace is ignored.
   */
  static fromHex<T extends BaseSigningKey>(this: SigningKeyClass<T>, hex: string): T {
    return fromText(this, hex, 'hex')
  }

  /**
   * The identity of a seed given as 43 base64url characters, or of a libsodium secret key given
   * as 86 (its public half must match the seed). Surrounding whitespace is ignored.
   */
  static fromBase64url<T extends BaseSigningKey>(this: SigningKeyClass<T>, s: string): T {
    return fromText(this, s, 'base64url')
  }

  /**
   * Reads OpenSSL's PEM of an Ed25519 private key (`-----BEGIN PRIVATE KEY-----`, PKCS#8 as in
   * RFC 8410), as `openssl genpkey -algorithm ed25519` writes it; the RFC 5958 form that also
   * carries the public key is accepted when that key matches. Text around the block is ignored.
   * A public key, another key type or an encrypted key is refused with a RangeError that says
   * which it is.
   *
   * @example
   * ```ts
   * const key = SigningKey.fromPem(readFileSync('server.pem', 'utf8'))
   * ```
   */
  static fromPem<T extends BaseSigningKey>(this: SigningKeyClass<T>, pem: string): T {
    return fromText(this, pem, 'pem')
  }

  /**
   * Reads a secret key in any form this class knows: a SigningKey (of any backend; returned as
   * is when already of this class), a 32-byte seed, a 64-byte libsodium secret key (seed ‖
   * public key: its public half must match, else RangeError), or a string: 64 hex / 43 base64url
   * (the seed), 128 hex / 86 base64url (libsodium), or a PEM "PRIVATE KEY". Surrounding
   * whitespace is ignored. A wrong input (a public key, another key type, hex of the wrong
   * length, ...) is refused with an error saying what it looks like; the secret is never quoted.
   *
   * @example
   * ```ts
   * const key = SigningKey.from(readFileSync('server.key', 'utf8'))
   * ```
   */
  static from<T extends BaseSigningKey>(this: SigningKeyClass<T>, x: BaseSigningKey | Uint8Array | string): T {
    if (isSigningKey(x)) return Object.getPrototypeOf(x) === this.prototype ? (x as T) : construct(this, x.exportSeed())
    if (typeof x === 'string') return fromText(this, x, 'any')
    if (isBytes(x)) {
      if (x.length === 32) return construct(this, x.slice())
      if (x.length === 64) return fromParts(this, splitLibsodium(x), 'seed')
      throw new RangeError(
        `"seed" expected Uint8Array of length 32 (the Ed25519 seed) or 64 (a libsodium secret key: seed ‖ public key), got ${describeKeyBytes(x)}`,
      )
    }
    if (isPublicKey(x)) throw new TypeError('"seed" expected SigningKey, Uint8Array or string, got a PublicKey: a public key where a secret key is expected')
    throw new TypeError(`"seed" expected SigningKey, Uint8Array or string, got ${describe(x)}`)
  }

  /**
   * Signs `message` (RFC 8032, deterministic): 64 bytes.
   *
   * @example
   * ```ts
   * const sig = key.sign(message)
   * key.publicKey.verify(sig, message) // true
   * ```
   */
  sign(message: Uint8Array): Uint8Array {
    abytes(message, 'message')
    return this.#signer.sign(message)
  }

  /** A copy of the 32-byte secret seed. Handle with care; `wipe` it when done. */
  exportSeed(): Uint8Array {
    return this.#seed.slice()
  }

  /** The secret seed as 64 hex digits (explicit export; never used by `toString`). */
  toHex(): string {
    return bytesToHex(this.#seed)
  }

  /** The secret seed as 43 base64url characters (explicit export; never used by `toString`). */
  toBase64url(): string {
    return bytesToBase64url(this.#seed)
  }

  /**
   * **The secret** as OpenSSL's PEM (`-----BEGIN PRIVATE KEY-----`, PKCS#8 v1), byte-equal to
   * what `openssl genpkey -algorithm ed25519` writes for the same seed; ends with a newline.
   * Store it with mode 0600.
   */
  toPem(): string {
    return formatPem('PRIVATE KEY', ed25519Pkcs8(this.#seed))
  }

  /** `SigningKey(<public key base64url>)`: never the secret. */
  toString(): string {
    return `SigningKey(${this.publicKey.toBase64url()})`
  }

  /** `{ publicKey }` only: JSON never carries the secret. */
  toJSON(): { publicKey: string } {
    return { publicKey: this.publicKey.toBase64url() }
  }

  [INSPECT](): string {
    return `SigningKey(publicKey=${this.publicKey.toBase64url()} ${this.publicKey.fingerprint()})`
  }
}

/** True for a SigningKey of any backend or copy of this package. */
function isSigningKey(x: unknown): x is BaseSigningKey {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[BRAND] === true
}

function fromText<T extends BaseSigningKey>(cls: SigningKeyClass<T>, s: string, form: KeyForm): T {
  return fromParts(cls, parseSecretKeyText(astring(s, 'seed'), 'seed', form), 'seed')
}

/** The key of `parts.seed`; when the form carried a public key too, it must be the seed's. */
function fromParts<T extends BaseSigningKey>(cls: SigningKeyClass<T>, parts: SecretKeyParts, name: string): T {
  const key = construct(cls, parts.seed)
  if (parts.publicKey !== undefined && !key.publicKey.equals(parts.publicKey)) {
    throw new RangeError(
      `"${name}" is ${parts.form ?? 'a secret key'} whose public key is not the one of its seed: the key is corrupted or its halves come from different keys`,
    )
  }
  return key
}

function construct<T extends BaseSigningKey>(cls: SigningKeyClass<T>, seed: Uint8Array): T {
  const C = cls as unknown as new (token: typeof INTERNAL, seed: Uint8Array, cls: SigningKeyClass<T>) => T
  return new C(INTERNAL, seed, cls)
}
