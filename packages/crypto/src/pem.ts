// PEM armor (RFC 7468) and the standard base64 alphabet it uses (RFC 4648 section 4), without
// Buffer. Only what key files need: one block, strict base64, lines of 64 characters out.

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const B64_INDEX = new Int8Array(128).fill(-1)
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i

/** Standard base64 with `=` padding. */
export function bytesToBase64(bytes: Uint8Array): string {
  let s = ''
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    s += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const n = bytes[i]! << 16
    s += `${B64[n >> 18]!}${B64[(n >> 12) & 63]!}==`
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8)
    s += `${B64[n >> 18]!}${B64[(n >> 12) & 63]!}${B64[(n >> 6) & 63]!}=`
  }
  return s
}

/**
 * Decodes standard padded base64; null when `s` is not canonical base64 (a character outside
 * the alphabet, a length that is not a multiple of 4, misplaced padding, trailing bits set).
 */
export function base64ToBytes(s: string): Uint8Array | null {
  if (s.length % 4 !== 0) return null
  let pad = 0
  if (s.endsWith('==')) pad = 2
  else if (s.endsWith('=')) pad = 1
  const body = s.length - pad
  const out = new Uint8Array((s.length / 4) * 3 - pad)
  let acc = 0
  let bits = 0
  let o = 0
  for (let i = 0; i < body; i++) {
    const c = s.charCodeAt(i)
    const v = c < 128 ? B64_INDEX[c]! : -1
    if (v < 0) return null
    acc = ((acc << 6) | v) & 0xffffff
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[o++] = (acc >> bits) & 0xff
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) return null
  return out
}

/** One PEM block found in a text. */
export interface PemBlock {
  /** The label between `-----BEGIN ` and `-----`, e.g. `PRIVATE KEY`. */
  readonly label: string
  /** The decoded body; null when the body is not base64 (or carries headers: legacy encryption). */
  readonly der: Uint8Array | null
  /** True when the body has RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`): an encrypted legacy key. */
  readonly headers: boolean
}

const BEGIN = /-----BEGIN ([A-Z0-9 ]{1,64})-----/g

/**
 * The PEM blocks of `text` (text around them is ignored, as RFC 7468 allows). A block without a
 * matching END line is reported with `der: null`.
 */
export function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = []
  for (const m of text.matchAll(BEGIN)) {
    const label = m[1]!
    const from = m.index + m[0].length
    const endLine = `-----END ${label}-----`
    const end = text.indexOf(endLine, from)
    if (end < 0) {
      blocks.push({ label, der: null, headers: false })
      continue
    }
    const body = text.slice(from, end)
    const headers = body.includes(':')
    blocks.push({ label, der: headers ? null : base64ToBytes(body.replace(/\s+/g, '')), headers })
  }
  return blocks
}

/** True when `text` holds a PEM BEGIN line (text before it is allowed, RFC 7468 section 5.2). */
export function looksLikePem(text: string): boolean {
  return text.includes('-----BEGIN ')
}

/** `-----BEGIN label-----`, the base64 body in lines of 64 characters, `-----END label-----`, newline. */
export function formatPem(label: string, der: Uint8Array): string {
  const b64 = bytesToBase64(der)
  let body = ''
  for (let i = 0; i < b64.length; i += 64) body += `${b64.slice(i, i + 64)}\n`
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`
}
