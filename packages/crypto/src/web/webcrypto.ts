import { bytesToHex, hexToBytes } from '../encoding.js'

// Feature detection of WebCrypto's X25519 and Ed25519, once, at first use. A browser counts as
// having one only when it gives this package's answers: the RFC 7748 shared secret, and
// Ed25519 verdicts under the strict rule of ed25519-rules.ts (cofactorless, R compared as
// bytes; S < L and the public key are checked before WebCrypto is asked).

/** The part of `crypto.subtle` used here, typed for plain Uint8Arrays. */
export interface Subtle {
  importKey(format: 'raw' | 'pkcs8', keyData: Uint8Array, algorithm: { name: string }, extractable: boolean, keyUsages: string[]): Promise<CryptoKey>
  exportKey(format: 'raw', key: CryptoKey): Promise<ArrayBuffer>
  exportKey(format: 'jwk', key: CryptoKey): Promise<{ x?: string }>
  generateKey(algorithm: { name: string }, extractable: boolean, keyUsages: string[]): Promise<CryptoKeyPair | CryptoKey>
  deriveBits(algorithm: { name: string; public: CryptoKey }, baseKey: CryptoKey, length: number): Promise<ArrayBuffer>
  verify(algorithm: { name: string }, key: CryptoKey, signature: Uint8Array, data: Uint8Array): Promise<boolean>
}

/** What WebCrypto can do here: the SubtleCrypto object when the operation passed, else null. */
export interface WebCryptoCurves {
  readonly x25519: Subtle | null
  readonly ed25519: Subtle | null
}

let detected: Promise<WebCryptoCurves> | undefined

/** Detects once; never rejects. */
export function webCryptoCurves(): Promise<WebCryptoCurves> {
  detected ??= detect()
  return detected
}

/** Test hook: forget the detection (and pretend WebCrypto is absent when `absent`). @internal */
export function resetWebCryptoDetection(absent = false): void {
  detected = absent ? Promise.resolve({ x25519: null, ed25519: null }) : undefined
}

async function detect(): Promise<WebCryptoCurves> {
  const subtle = (globalThis as { crypto?: { subtle?: Subtle } }).crypto?.subtle
  if (subtle === undefined) return { x25519: null, ed25519: null } // no WebCrypto (an insecure http: page)
  const [x, e] = await Promise.all([probeX25519(subtle).catch(() => false), probeEd25519(subtle).catch(() => false)])
  return { x25519: x ? subtle : null, ed25519: e ? subtle : null }
}

const X25519 = { name: 'X25519' }
const ED25519 = { name: 'Ed25519' }

/** PKCS#8 of an X25519 secret (RFC 8410): this 16-byte prefix, then the 32 bytes. */
const PKCS8_X25519 = '302e020100300506032b656e04220420'

/** The PKCS#8 DER of a 32-byte X25519 secret, for `importKey`. */
export function x25519Pkcs8(secret: Uint8Array): Uint8Array {
  const der = new Uint8Array(48)
  der.set(hexToBytes(PKCS8_X25519))
  der.set(secret, 16)
  return der
}

/** RFC 7748 section 6.1: Alice's secret, Bob's public key, their shared secret. */
async function probeX25519(subtle: Subtle): Promise<boolean> {
  const secret = await subtle.importKey('pkcs8', x25519Pkcs8(hexToBytes('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a')), X25519, false, [
    'deriveBits',
  ])
  const pub = await subtle.importKey('raw', hexToBytes('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f'), X25519, false, [])
  const bits = new Uint8Array(await subtle.deriveBits({ name: 'X25519', public: pub }, secret, 256))
  return bytesToHex(bits) === '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742'
}

// speccheck cases (Chalkias et al.) under one acceptable public key: 5 is valid; 4 and 7 pass
// only a cofactored check, 12 only a check that decodes R instead of comparing its bytes.
const PROBE_KEY = 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43'
const PROBE_KEY_7 = 'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d'
const PROBES: readonly (readonly [key: string, message: string, signature: string, valid: boolean])[] = [
  [
    PROBE_KEY,
    'aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e',
    true,
  ],
  [
    PROBE_KEY,
    '9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa182ef1a5b928da07fec769cc8a12db6bcf70dab3f3227fa315e9d5e3e01a3405',
    false,
  ],
  [
    PROBE_KEY_7,
    'e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c',
    '160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09',
    false,
  ],
  [
    PROBE_KEY,
    '9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffca8c5b64cd208982aa38d4936621a4775aa233aa0505711d8fdcfdaa943d4908',
    false,
  ],
]

async function probeEd25519(subtle: Subtle): Promise<boolean> {
  const verdicts = await Promise.all(
    PROBES.map(async ([key, message, signature]) =>
      subtle.verify(ED25519, await subtle.importKey('raw', hexToBytes(key), ED25519, false, ['verify']), hexToBytes(signature), hexToBytes(message)),
    ),
  )
  return verdicts.every((v, i) => v === PROBES[i]![3])
}
