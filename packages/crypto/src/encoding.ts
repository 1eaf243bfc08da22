// Hex and base64url (RFC 4648 section 5, no padding) without Buffer, strict on input:
// decoders reject stray characters, padding and non-canonical trailing bits, so every key has
// exactly one text form per encoding.

const HEX = '0123456789abcdef'
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

const HEX_PAIRS: string[] = Array.from({ length: 256 }, (_, i) => HEX[i >> 4]! + HEX[i & 15]!)
const B64_INDEX = new Int8Array(128).fill(-1)
for (let i = 0; i < B64URL.length; i++) B64_INDEX[B64URL.charCodeAt(i)] = i

/** Lowercase hex of `bytes`. */
export function bytesToHex(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i++) s += HEX_PAIRS[bytes[i]!]
  return s
}

function hexNibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48 // 0-9
  c |= 32 // fold A-F to a-f
  if (c >= 97 && c <= 102) return c - 87
  return -1
}

/** Decodes hex (either case). RangeError on odd length or a non-hex character. */
export function hexToBytes(hex: string, name = 'hex'): Uint8Array {
  if (hex.length % 2 !== 0) throw new RangeError(`"${name}" expected an even number of hex digits, got length=${hex.length}`)
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) {
    const hi = hexNibble(hex.charCodeAt(2 * i))
    const lo = hexNibble(hex.charCodeAt(2 * i + 1))
    if (hi < 0 || lo < 0) throw new RangeError(`"${name}" has a non-hex character near index ${2 * i}`)
    out[i] = (hi << 4) | lo
  }
  return out
}

/** base64url of `bytes`, without padding. */
export function bytesToBase64url(bytes: Uint8Array): string {
  let s = ''
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    s += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]! + B64URL[n & 63]!
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const n = bytes[i]! << 16
    s += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]!
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8)
    s += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]!
  }
  return s
}

/**
 * Decodes unpadded base64url. RangeError on a character outside the base64url alphabet
 * (including `=`, `+`, `/`), an impossible length, or non-zero trailing bits.
 */
export function base64urlToBytes(s: string, name = 'base64url'): Uint8Array {
  if (s.length % 4 === 1) throw new RangeError(`"${name}" has an impossible base64url length ${s.length}`)
  const out = new Uint8Array(Math.floor((s.length * 3) / 4))
  let acc = 0
  let bits = 0
  let o = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    const v = c < 128 ? B64_INDEX[c]! : -1
    if (v < 0) throw new RangeError(`"${name}" has a non-base64url character at index ${i}`)
    acc = ((acc << 6) | v) & 0xffffff
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[o++] = (acc >> bits) & 0xff
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) throw new RangeError(`"${name}" is not canonical base64url (trailing bits set)`)
  return out
}
