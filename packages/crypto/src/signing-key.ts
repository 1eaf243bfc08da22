// biome-ignore-all lint/complexity/noThisInStatic: the static factories are polymorphic: each entry point's subclass binds its backend
import { abytes, astring } from './assert.js'
import { randomBytes } from './bytes.js'
import { base64urlToBytes, bytesToBase64url, bytesToHex, hexToBytes } from './encoding.js'
import type { EdSigner, Engine } from './engine.js'
import { type BasePublicKey, INTERNAL, type PublicKeyClass } from './public-key.js'

const INSPECT = Symbol.for('nodejs.util.inspect.custom')

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
  readonly #seed: Uint8Array
  readonly #signer: EdSigner

  /** Internal: use `SigningKey.generate` / `fromSeed` / `fromHex` / `fromBase64url`. */
  protected constructor(token: typeof INTERNAL, seed: Uint8Array, cls: SigningKeyClass) {
    if (token !== INTERNAL || cls.engine === undefined) {
      throw new TypeError('use SigningKey.generate() or SigningKey.fromSeed()')
    }
    this.#seed = seed
    this.#signer = cls.engine.edSigner(seed)
    this.publicKey = (cls.PublicKey as unknown as { fromBytes(b: Uint8Array): BasePublicKey }).fromBytes(
      this.#signer.publicKey,
    )
  }

  /** A new random identity. */
  static generate<T extends BaseSigningKey>(this: SigningKeyClass<T>): T {
    return construct(this, randomBytes(32))
  }

  /** The identity of a 32-byte seed (copied), as in RFC 8032 section 5.1.5. */
  static fromSeed<T extends BaseSigningKey>(this: SigningKeyClass<T>, seed: Uint8Array): T {
    abytes(seed, 'seed', 32)
    return construct(this, seed.slice())
  }

  /** The identity of a seed given as 64 hex digits. */
  static fromHex<T extends BaseSigningKey>(this: SigningKeyClass<T>, hex: string): T {
    astring(hex, 'seed', 64)
    return construct(this, hexToBytes(hex, 'seed'))
  }

  /** The identity of a seed given as 43 base64url characters. */
  static fromBase64url<T extends BaseSigningKey>(this: SigningKeyClass<T>, s: string): T {
    astring(s, 'seed', 43)
    return construct(this, base64urlToBytes(s, 'seed'))
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

function construct<T extends BaseSigningKey>(cls: SigningKeyClass<T>, seed: Uint8Array): T {
  const C = cls as unknown as new (token: typeof INTERNAL, seed: Uint8Array, cls: SigningKeyClass<T>) => T
  return new C(INTERNAL, seed, cls)
}
