// Reading Ed25519 keys from the forms people keep them in (hex, base64url, OpenSSL PEM, a
// libsodium 64-byte secret key), and saying exactly what an input looks like when it is none
// of the expected forms. Messages never echo the input: it may be a secret.
import { base64urlToBytes, hexToBytes } from './encoding.js'
import { readKeyDer } from './key-der.js'
import { base64ToBytes, looksLikePem, pemBlocks } from './pem.js'

/** Which forms a parser accepts. */
export type KeyForm = 'any' | 'hex' | 'base64url' | 'pem'

/** A secret key as read: the seed, and the public key when the form carries one (to be checked). */
export interface SecretKeyParts {
  readonly seed: Uint8Array
  readonly publicKey?: Uint8Array | undefined
  /** Where the public key came from, for the mismatch message. */
  readonly form?: string
}

const GENPKEY = 'make one with `openssl genpkey -algorithm ed25519`'

const PUBLIC_EXPECTED: Record<KeyForm, string> = {
  any: 'an Ed25519 public key: 64 hex digits, 43 base64url characters or a PEM "PUBLIC KEY"',
  hex: '64 hex digits (an Ed25519 public key)',
  base64url: '43 base64url characters (an Ed25519 public key)',
  pem: 'a PEM "PUBLIC KEY" holding an Ed25519 key',
}

const SECRET_EXPECTED: Record<KeyForm, string> = {
  any:
    'an Ed25519 secret key: the 32-byte seed as 64 hex digits or 43 base64url characters, a libsodium ' +
    'secret key (seed ‖ public key) as 128 hex digits or 86 base64url characters, or a PEM "PRIVATE KEY"',
  hex: '64 hex digits (the 32-byte Ed25519 seed) or 128 (a libsodium secret key: seed ‖ public key)',
  base64url: '43 base64url characters (the 32-byte Ed25519 seed) or 86 (a libsodium secret key: seed ‖ public key)',
  pem: 'a PEM "PRIVATE KEY" (PKCS#8) holding an Ed25519 key',
}

const HEX_RE = /^[0-9a-fA-F]*$/
const B64URL_RE = /^[A-Za-z0-9_-]*$/
const B64_RE = /^[A-Za-z0-9+/]+={0,2}$/
const SSH_RE = /^(ssh-ed25519|ssh-rsa|ssh-dss|ecdsa-sha2-[a-z0-9]+|sk-[a-z0-9-]+@openssh\.com) /

/** `s` without surrounding whitespace (a file's trailing newline). */
export function trimKeyText(s: string): string {
  return s.trim()
}

function bytesNote(n: number, role: 'public' | 'secret'): string {
  if (n === 64) return role === 'public' ? ': the size of a libsodium secret key or a signature, not a public key' : ''
  return ''
}

/** What a (trimmed, non-PEM) text looks like, without quoting it. */
function describeText(t: string, role: 'public' | 'secret'): string {
  if (t.length === 0) return 'an empty string'
  const ssh = SSH_RE.exec(t)
  if (ssh) return `an OpenSSH public key line ("${ssh[1]} ..."), a format this library does not read`
  const ws = t.search(/\s/)
  if (ws >= 0) return `text with whitespace inside (at index ${ws})`
  if (HEX_RE.test(t)) {
    if (t.length % 2 !== 0) return `an odd number of hex digits (${t.length})`
    return `${t.length} hex digits (${t.length / 2} bytes${bytesNote(t.length / 2, role)})`
  }
  if (B64URL_RE.test(t)) {
    // a key in hex with a typo has the length of hex and the alphabet of base64url: say both
    const typo = t.length === 64 || t.length === 128 ? `; read as hex, the character at index ${t.search(/[^0-9a-fA-F]/)} is not a hex digit` : ''
    if (t.length % 4 === 1) return `${t.length} base64url characters (an impossible length)${typo}`
    const n = Math.floor((t.length * 3) / 4)
    return `${t.length} base64url characters (${n} bytes${bytesNote(n, role)})${typo}`
  }
  if (B64_RE.test(t)) {
    const b = base64ToBytes(t)
    if (b) return `standard base64 of ${b.length} bytes (with "+", "/" or "=" padding); base64url without padding is expected`
  }
  let i = 0
  while (i < t.length && /[A-Za-z0-9_+/=-]/.test(t[i]!)) i++
  return `${t.length} characters that are neither hex, base64url, base64 nor PEM (the first unexpected one at index ${i})`
}

type PemResult = { readonly secret: SecretKeyParts } | { readonly publicKey: Uint8Array } | { readonly error: string }

const TRADITIONAL: Record<string, string> = {
  'RSA PRIVATE KEY': 'RSA',
  'EC PRIVATE KEY': 'EC',
  'DSA PRIVATE KEY': 'DSA',
  'RSA PUBLIC KEY': 'RSA',
}

/** Reads one PEM block: an Ed25519 PKCS#8 or SPKI key, or says what the text holds instead. */
function readPem(t: string): PemResult {
  const blocks = pemBlocks(t)
  if (blocks.length === 0) return { error: 'text that starts like PEM but has no "-----BEGIN <label>-----" line' }
  if (blocks.length > 1) return { error: `${blocks.length} PEM blocks (${blocks.map((b) => `"${b.label}"`).join(', ')}); one key per text is expected` }
  const { label, der, headers } = blocks[0]!
  const decrypt = 'decrypt it first: `openssl pkey -in key.pem -out plain.pem`'
  if (headers) return { error: `an encrypted PEM key ("${label}" with Proc-Type headers); ${decrypt}` }
  if (label === 'ENCRYPTED PRIVATE KEY') return { error: `an encrypted PKCS#8 key ("ENCRYPTED PRIVATE KEY"); ${decrypt}` }
  if (label === 'OPENSSH PRIVATE KEY') return { error: `an OpenSSH private key ("OPENSSH PRIVATE KEY"), a format this library does not read; ${GENPKEY}` }
  if (label === 'CERTIFICATE') return { error: 'a certificate ("CERTIFICATE"), not a key: Kiloparsec needs no certificates, pin the Ed25519 public key itself' }
  const traditional = TRADITIONAL[label]
  if (traditional) return { error: `a PEM "${label}" (an ${traditional} key); identities are Ed25519 keys: ${GENPKEY}` }
  if (label !== 'PRIVATE KEY' && label !== 'PUBLIC KEY') return { error: `a PEM block labelled "${label}", not "PRIVATE KEY" or "PUBLIC KEY"` }
  if (der === null) return { error: `a PEM "${label}" whose body is not base64 or has no "-----END ${label}-----" line` }
  const key = readKeyDer(der)
  if (key === null || (key.kind === 'pkcs8') !== (label === 'PRIVATE KEY')) {
    return { error: `a PEM "${label}" whose content is not a ${label === 'PRIVATE KEY' ? 'PKCS#8 private key' : 'SubjectPublicKeyInfo'}` }
  }
  if (key.algorithm !== 'Ed25519') {
    const what = key.algorithm.startsWith('an algorithm') ? key.algorithm : `${/^(RSA|EC|Ed|X)/.test(key.algorithm) ? 'an' : 'a'} ${key.algorithm}`
    return { error: `a PEM "${label}" holding ${what} key; identities are Ed25519 keys: ${GENPKEY}` }
  }
  if (key.problem !== undefined) return { error: `a PEM "${label}" with ${key.problem}` }
  if (key.seed) return { secret: { seed: key.seed, publicKey: key.publicKey, form: 'the PKCS#8 key' } }
  return { publicKey: key.publicKey! }
}

/**
 * Parses an Ed25519 public key from text in the forms `form` allows. Surrounding whitespace is
 * ignored. RangeError naming `name` and describing the input otherwise.
 */
export function parsePublicKeyText(s: string, name: string, form: KeyForm): Uint8Array {
  const t = trimKeyText(s)
  const fail = (got: string): never => {
    throw new RangeError(`"${name}" expected ${PUBLIC_EXPECTED[form]}, got ${got}`)
  }
  if (looksLikePem(t)) {
    if (form !== 'any' && form !== 'pem') return fail(`a PEM block; use PublicKey.fromPem() or PublicKey.from()`)
    const r = readPem(t)
    if ('publicKey' in r) return r.publicKey
    if ('secret' in r) {
      return fail(
        'a PEM "PRIVATE KEY" (an Ed25519 secret key) where a public key is expected: keep the secret to the ' +
          'server and use its public key: `SigningKey.fromPem(text).publicKey` or `openssl pkey -in key.pem -pubout`',
      )
    }
    return fail(r.error)
  }
  if (form === 'pem') return fail(describeText(t, 'public'))
  if (t.length === 64 && (form === 'hex' || (form === 'any' && HEX_RE.test(t)))) return hexToBytes(t, name)
  if (t.length === 43 && form !== 'hex') return base64urlToBytes(t, name)
  return fail(describeText(t, 'public'))
}

/**
 * Parses an Ed25519 secret key from text in the forms `form` allows: a 32-byte seed, a
 * libsodium 64-byte secret key (seed ‖ public key), a PKCS#8 PEM. The caller checks a carried
 * public key against the seed. Surrounding whitespace is ignored.
 */
export function parseSecretKeyText(s: string, name: string, form: KeyForm): SecretKeyParts {
  const t = trimKeyText(s)
  const fail = (got: string): never => {
    throw new RangeError(`"${name}" expected ${SECRET_EXPECTED[form]}, got ${got}`)
  }
  if (looksLikePem(t)) {
    if (form !== 'any' && form !== 'pem') return fail('a PEM block; use SigningKey.fromPem() or SigningKey.from()')
    const r = readPem(t)
    if ('secret' in r) return r.secret
    if ('publicKey' in r) return fail('a PEM "PUBLIC KEY" (an Ed25519 public key) where a secret key is expected')
    return fail(r.error)
  }
  if (form === 'pem') return fail(describeText(t, 'secret'))
  if (form === 'hex' || (form === 'any' && HEX_RE.test(t))) {
    if (t.length === 64) return { seed: hexToBytes(t, name) }
    if (t.length === 128) return splitLibsodium(hexToBytes(t, name))
  }
  if (form !== 'hex') {
    if (t.length === 43) return { seed: base64urlToBytes(t, name) }
    if (t.length === 86) return splitLibsodium(base64urlToBytes(t, name))
  }
  return fail(describeText(t, 'secret'))
}

/** Splits a libsodium secret key: seed ‖ public key. */
export function splitLibsodium(b: Uint8Array): SecretKeyParts {
  return { seed: b.slice(0, 32), publicKey: b.slice(32, 64), form: 'the libsodium secret key (seed ‖ public key)' }
}

/** Why `bytes` of the wrong length are not a key, for a RangeError message. */
export function describeKeyBytes(bytes: Uint8Array): string {
  let printable = bytes.length > 0
  for (let i = 0; i < bytes.length && printable; i++) {
    const c = bytes[i]!
    printable = (c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x0d || c === 0x09
  }
  const text = printable ? ' that are all printable text: read the key file as text (`readFileSync(path, "utf8")`)' : ''
  return `length=${bytes.length}${text}`
}
