// The two DER structures OpenSSL writes for Ed25519 keys (RFC 8410), read and written by hand
// so that the browser build needs no node:crypto:
//   PKCS#8 PrivateKeyInfo / OneAsymmetricKey (RFC 5958), `-----BEGIN PRIVATE KEY-----`
//   SubjectPublicKeyInfo (RFC 5280), `-----BEGIN PUBLIC KEY-----`
// Other key types are only recognised, for error messages that say what a file holds.

/** Ed25519 PKCS#8 v1 as OpenSSL writes it; the 32-byte seed follows. */
const PKCS8_PREFIX = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20)
/** Ed25519 SubjectPublicKeyInfo; the 32-byte public key follows. */
const SPKI_PREFIX = Uint8Array.of(0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00)

/** Algorithm OIDs (DER content bytes as hex) a key file may name. */
const ALGORITHMS: Record<string, string> = {
  '2b6570': 'Ed25519',
  '2b6571': 'Ed448',
  '2b656e': 'X25519',
  '2b656f': 'X448',
  '2a864886f70d010101': 'RSA',
  '2a864886f70d01010a': 'RSA-PSS',
  '2a8648ce3d0201': 'EC',
  '2a8648ce380401': 'DSA',
}

/** The PKCS#8 DER of an Ed25519 seed (48 bytes, byte-equal to OpenSSL's). */
export function ed25519Pkcs8(seed: Uint8Array): Uint8Array {
  const out = new Uint8Array(PKCS8_PREFIX.length + 32)
  out.set(PKCS8_PREFIX)
  out.set(seed, PKCS8_PREFIX.length)
  return out
}

/** The SubjectPublicKeyInfo DER of an Ed25519 public key (44 bytes, byte-equal to OpenSSL's). */
export function ed25519Spki(publicKey: Uint8Array): Uint8Array {
  const out = new Uint8Array(SPKI_PREFIX.length + 32)
  out.set(SPKI_PREFIX)
  out.set(publicKey, SPKI_PREFIX.length)
  return out
}

interface Tlv {
  readonly tag: number
  /** First content byte. */
  readonly start: number
  /** One past the last content byte. */
  readonly end: number
}

/** One DER element at `pos` that ends at or before `limit`; null when it does not fit. */
function readTlv(b: Uint8Array, pos: number, limit: number): Tlv | null {
  if (pos + 2 > limit) return null
  const tag = b[pos]!
  let len = b[pos + 1]!
  let start = pos + 2
  if (len >= 0x80) {
    const n = len & 0x7f
    if (n < 1 || n > 2 || start + n > limit) return null // key files are far below 64 KiB
    len = 0
    for (let i = 0; i < n; i++) len = (len << 8) | b[start + i]!
    start += n
  }
  const end = start + len
  return end > limit ? null : { tag, start, end }
}

function toHex(b: Uint8Array): string {
  let s = ''
  for (const x of b) s += x.toString(16).padStart(2, '0')
  return s
}

/** The dotted form of an OID's content bytes, e.g. `1.3.101.112`. */
function dotted(oid: Uint8Array): string {
  const parts: number[] = []
  let v = 0
  for (const x of oid) {
    v = v * 128 + (x & 0x7f)
    if (x < 0x80) {
      if (parts.length === 0) parts.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80)
      else parts.push(v)
      v = 0
    }
  }
  return parts.join('.')
}

/** Reads `AlgorithmIdentifier ::= SEQUENCE { OID, parameters OPTIONAL }`; its name and whether parameters follow. */
function readAlgorithm(b: Uint8Array, t: Tlv): { name: string; ed25519: boolean; params: boolean } | null {
  if (t.tag !== 0x30) return null
  const oid = readTlv(b, t.start, t.end)
  if (oid?.tag !== 0x06) return null
  const bytes = b.subarray(oid.start, oid.end)
  const hex = toHex(bytes)
  const name = ALGORITHMS[hex] ?? `an algorithm with OID ${dotted(bytes)}`
  return { name, ed25519: hex === '2b6570', params: oid.end !== t.end }
}

/** What a DER key structure holds. `problem` is set when it is Ed25519 but malformed. */
export interface KeyDer {
  /** `pkcs8`: a private key; `spki`: a public key. */
  readonly kind: 'pkcs8' | 'spki'
  /** `Ed25519`, `RSA`, `EC`, `X25519`, ... or `an algorithm with OID 1.2.3`. */
  readonly algorithm: string
  /** Ed25519 PKCS#8: the 32-byte seed. */
  readonly seed?: Uint8Array
  /** Ed25519 SPKI, or PKCS#8 v2 (RFC 5958) that carries the public key too: its 32 bytes. */
  readonly publicKey?: Uint8Array
  /** Why an Ed25519 structure was refused. */
  readonly problem?: string
}

/** Reads the BIT STRING content of an Ed25519 public key (no unused bits, 32 bytes). */
function ed25519BitString(b: Uint8Array, t: Tlv): Uint8Array | null {
  if (t.end - t.start !== 33 || b[t.start] !== 0) return null
  return b.slice(t.start + 1, t.end)
}

/**
 * Reads a PKCS#8 private key or a SubjectPublicKeyInfo; null when `der` is neither. Only
 * Ed25519 keys yield key bytes; other algorithms are named.
 */
export function readKeyDer(der: Uint8Array): KeyDer | null {
  const outer = readTlv(der, 0, der.length)
  if (outer?.tag !== 0x30 || outer.end !== der.length) return null
  const first = readTlv(der, outer.start, outer.end)
  if (!first) return null
  if (first.tag === 0x30) {
    // SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
    const alg = readAlgorithm(der, first)
    const bits = readTlv(der, first.end, outer.end)
    if (!alg || !bits || bits.tag !== 0x03) return null
    if (!alg.ed25519) return { kind: 'spki', algorithm: alg.name }
    const publicKey = bits.end === outer.end && !alg.params ? ed25519BitString(der, bits) : null
    return publicKey
      ? { kind: 'spki', algorithm: alg.name, publicKey }
      : { kind: 'spki', algorithm: alg.name, problem: 'a malformed Ed25519 public key structure' }
  }
  // OneAsymmetricKey ::= SEQUENCE { version INTEGER (0 or 1), privateKeyAlgorithm, privateKey OCTET STRING,
  //                                 attributes [0] OPTIONAL, publicKey [1] IMPLICIT BIT STRING OPTIONAL }
  if (first.tag !== 0x02 || first.end - first.start !== 1) return null
  const version = der[first.start]!
  const algT = readTlv(der, first.end, outer.end)
  const alg = algT && readAlgorithm(der, algT)
  const priv = algT && readTlv(der, algT.end, outer.end)
  if (!alg || !priv || priv.tag !== 0x04 || version > 1) return null
  if (!alg.ed25519) return { kind: 'pkcs8', algorithm: alg.name }
  const bad = { kind: 'pkcs8', algorithm: alg.name, problem: 'a malformed Ed25519 private key structure' } as const
  // CurvePrivateKey ::= OCTET STRING (the 32-byte seed)
  const inner = readTlv(der, priv.start, priv.end)
  if (alg.params || !inner || inner.tag !== 0x04 || inner.end !== priv.end || inner.end - inner.start !== 32) return bad
  const seed = der.slice(inner.start, inner.end)
  let pos = priv.end
  let publicKey: Uint8Array | undefined
  let t = pos < outer.end ? readTlv(der, pos, outer.end) : null
  if (t && t.tag === 0xa0) {
    pos = t.end // attributes: not used
    t = pos < outer.end ? readTlv(der, pos, outer.end) : null
  }
  if (t && t.tag === 0x81 && version === 1) {
    const pub = ed25519BitString(der, t)
    if (!pub) return bad
    publicKey = pub
    pos = t.end
  }
  if (pos !== outer.end) return bad
  return publicKey ? { kind: 'pkcs8', algorithm: alg.name, seed, publicKey } : { kind: 'pkcs8', algorithm: alg.name, seed }
}
