import { hexToBytes } from './encoding.js'

// The Ed25519 acceptance rule of this package, identical in every engine:
//   - S < L (OpenSSL, noble and libsodium all check this);
//   - A is the canonical encoding (y < p) of a point that is not of small order (below);
//   - the cofactorless equation holds byte-for-byte: encode([S]B - [k]A) == R
//     (what OpenSSL does; it also rejects a non-canonical R).
// OpenSSL alone accepts small-order and non-canonical public keys; noble with zip215:false
// rejects those but checks the cofactored equation. Rejecting such keys here and checking the
// cofactorless equation in the noble engine makes Node and browser peers accept exactly the
// same signatures (see test/ed25519-edge-cases.test.ts).
// libsodium (crypto_sign_verify_detached) applies all three and one more: it rejects an R of
// small order, which the rule above accepts when the equation holds. The sodium engine hands
// exactly those signatures (`isAcceptablePoint(R)` false) to the OpenSSL verifier.

/**
 * The y coordinates (little-endian, sign bit cleared) of the 8 points of small order: 1, 0,
 * p-1 and the two order-8 values. Any encoding whose y is one of these (with either sign bit)
 * is a small-order point or a non-canonical encoding of one.
 */
const SMALL_ORDER_Y: readonly Uint8Array[] = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
].map((h) => hexToBytes(h))

/** True when y (sign bit ignored) is >= p = 2^255 - 19, i.e. the encoding is not canonical. */
function yNotCanonical(b: Uint8Array): boolean {
  if ((b[31]! & 0x7f) !== 0x7f) return false
  for (let i = 30; i >= 1; i--) if (b[i] !== 0xff) return false
  return b[0]! >= 0xed
}

/** True when y (sign bit ignored) is the y of a point of small order. No allocation. */
function smallOrderY(b: Uint8Array): boolean {
  for (const y of SMALL_ORDER_Y) {
    if (b[0] !== y[0]) continue // the five values differ in their first byte
    let d = (b[31]! & 0x7f) ^ y[31]!
    for (let i = 1; i < 31; i++) d |= b[i]! ^ y[i]!
    if (d === 0) return true
  }
  return false
}

/**
 * True when the 32 bytes (of a public key A, or of a signature's R) are the canonical encoding
 * of a y whose point, if it exists, is not of small order. (Whether y is on the curve at all is
 * left to the engine.)
 */
export function isAcceptablePoint(b: Uint8Array): boolean {
  return !yNotCanonical(b) && !smallOrderY(b)
}

/**
 * True when the 32 bytes may be an Ed25519 public key under this package's strict rules: y is
 * canonical and the point is not of small order. (Whether y is on the curve at all is left to
 * the engine, which then rejects every signature.)
 */
export function isAcceptablePublicKey(b: Uint8Array): boolean {
  return isAcceptablePoint(b)
}
