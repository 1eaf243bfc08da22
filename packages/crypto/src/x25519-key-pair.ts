import { bytesToHex } from './encoding.js'

/** An X25519 key pair (RFC 7748): 32-byte secret (scalar before clamping) and public key. */
export interface X25519KeyPair {
  readonly secretKey: Uint8Array
  readonly publicKey: Uint8Array
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom')

/**
 * The concrete key pair: its `toString`, `toJSON` and `util.inspect` show the public key only.
 * `secretKey` is the caller's to `wipe` when done.
 */
export class X25519Pair implements X25519KeyPair {
  constructor(
    readonly secretKey: Uint8Array,
    readonly publicKey: Uint8Array,
  ) {}

  toString(): string {
    return `X25519KeyPair(publicKey=${bytesToHex(this.publicKey)})`
  }

  toJSON(): { publicKey: string } {
    return { publicKey: bytesToHex(this.publicKey) }
  }

  [INSPECT](): string {
    return this.toString()
  }
}
