import { BipackWriter } from '@kp/bipack'
import { seal, x25519KeyPairFromSecret, x25519SharedSecret } from '@kp/crypto'
import { handshakeKeys, transcript2, ZERO_NONCE } from '../handshake/key-schedule.js'
import { Defaults, FrameType, HELLO_SIZE, WELCOME_SIZE } from '../protocol/constants.js'
import { encodeCookie, encodeFinish, encodeHello, encodeReject } from '../protocol/handshake-frames.js'
import type { FuzzRandom } from './fuzz-random.js'

/**
 * Pre-handshake frames a hostile peer sends (PROTOCOL.md 3 and 4): each builder returns whole
 * frames, deterministic for a given {@link FuzzRandom}.
 */

/** A fresh X25519 key pair from the generator (reproducible, unlike `x25519KeyPair()`). */
export function seededEphemeral(rng: FuzzRandom): { secret: Uint8Array; publicKey: Uint8Array } {
  const secret = rng.bytes(32)
  return { secret, publicKey: x25519KeyPairFromSecret(secret.slice()).publicKey }
}

/** A valid HELLO with a seeded ephemeral key. */
export function validHello(rng: FuzzRandom): Uint8Array {
  return encodeHello(seededEphemeral(rng).publicKey)
}

/** 1 to `maxLength` random bytes; the first byte is biased towards the frame types 1..7. */
export function randomFrame(rng: FuzzRandom, maxLength: number = Defaults.handshakeFrameMax): Uint8Array {
  const f = rng.bytes(rng.chance(0.2) ? rng.range(1, 8) : rng.range(1, maxLength))
  if (rng.chance(0.7)) f[0] = rng.range(0, 8)
  return f
}

/** A valid HELLO cut to 1..255 bytes. */
export function truncatedHello(rng: FuzzRandom): Uint8Array {
  return validHello(rng).slice(0, rng.range(1, HELLO_SIZE - 1))
}

/** A valid HELLO followed by more bytes: zeros (`zero`) or random, up to `maxLength` in total. */
export function oversizedHello(rng: FuzzRandom, maxLength: number, zero: boolean): Uint8Array {
  const out = new Uint8Array(rng.range(HELLO_SIZE + 1, Math.max(HELLO_SIZE + 1, maxLength)))
  out.set(validHello(rng))
  if (!zero) out.set(rng.bytes(out.length - HELLO_SIZE), HELLO_SIZE)
  return out
}

/** A HELLO-sized frame carrying `version` (any unsigned smartint, bigint above 2^53). */
export function helloWithVersion(rng: FuzzRandom, version: number | bigint): Uint8Array {
  const w = new BipackWriter(HELLO_SIZE)
  w.u8(FrameType.Hello)
  w.unsigned(version)
  w.fixed(seededEphemeral(rng).publicKey).bytes(new Uint8Array(0))
  const out = new Uint8Array(HELLO_SIZE)
  out.set(w.view().subarray(0, HELLO_SIZE))
  return out
}

/** A HELLO whose version 1 is encoded as a non-minimal smartint (`05 00`, `06 00 00`, ...). */
export function helloNonMinimalVersion(rng: FuzzRandom): Uint8Array {
  const forms = [Uint8Array.of(0x05, 0x00), Uint8Array.of(0x06, 0x00, 0x00), Uint8Array.of(0x07, 0x00, 0x00, 0x00)]
  const v = rng.pick(forms)
  const out = new Uint8Array(HELLO_SIZE)
  out[0] = FrameType.Hello
  out.set(v, 1)
  out.set(seededEphemeral(rng).publicKey, 1 + v.length)
  return out
}

/** A valid HELLO with one padding byte set. */
export function helloNonZeroPadding(rng: FuzzRandom): Uint8Array {
  const h = validHello(rng)
  // 1 type + 1 version + 32 key + 1 empty cookie length = 35 bytes of content
  h[rng.range(35, HELLO_SIZE - 1)] = rng.range(1, 255)
  return h
}

/** A HELLO whose cookie is longer than 64 bytes, or whose cookie length runs past the frame. */
export function helloBadCookie(rng: FuzzRandom): Uint8Array {
  const w = new BipackWriter(HELLO_SIZE + 64)
  w.u8(FrameType.Hello).unsigned(1).fixed(seededEphemeral(rng).publicKey)
  if (rng.chance(0.5)) w.bytes(rng.bytes(rng.range(65, 200)))
  else w.unsigned(rng.range(222, 100_000))
  const out = new Uint8Array(HELLO_SIZE)
  out.set(w.view().subarray(0, HELLO_SIZE))
  return out
}

/** X25519 public keys of small order (RFC 7748 section 7 lists them): DH with them is all zero. */
const LOW_ORDER_KEYS = [
  new Uint8Array(32),
  Uint8Array.of(1, ...new Array<number>(31).fill(0)),
  Uint8Array.from([
    0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62,
    0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00,
  ]),
  Uint8Array.from([
    0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef, 0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22,
    0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57,
  ]),
  // p - 1, p and p + 1 (non-canonical encodings of small-order points)
  Uint8Array.of(0xec, ...new Array<number>(30).fill(0xff), 0x7f),
  Uint8Array.of(0xed, ...new Array<number>(30).fill(0xff), 0x7f),
  Uint8Array.of(0xee, ...new Array<number>(30).fill(0xff), 0x7f),
]

/** A well-formed HELLO whose ephemeral key is of small order. */
export function helloLowOrderKey(rng: FuzzRandom): Uint8Array {
  return encodeHello(rng.pick(LOW_ORDER_KEYS))
}

/** A frame of `type` with a random body (total 1..maxLength bytes). */
export function frameOfType(rng: FuzzRandom, type: number, maxLength: number = Defaults.handshakeFrameMax): Uint8Array {
  const f = rng.bytes(rng.range(1, maxLength))
  f[0] = type
  return f
}

/** A WELCOME-shaped frame (146 bytes, version 1) with random key and sealed identity. */
export function forgedWelcome(rng: FuzzRandom): Uint8Array {
  const f = rng.bytes(WELCOME_SIZE)
  f[0] = FrameType.Welcome
  f[1] = 1 << 2
  return f
}

/** A FINISH of random content (1..maxLength bytes, type 3): it never opens. */
export function forgedFinish(rng: FuzzRandom, maxLength = 200): Uint8Array {
  const f = rng.bytes(rng.chance(0.2) ? rng.range(1, 18) : rng.range(19, maxLength))
  f[0] = FrameType.Finish
  return f
}

/** A REJECT as a client would never send it. */
export function rejectFrame(rng: FuzzRandom): Uint8Array {
  return rng.chance(0.5) ? encodeReject(rng.range(0, 300), 'go away') : frameOfType(rng, FrameType.Reject, 120)
}

/** A COOKIE as a client would never send it. */
export function cookieFrame(rng: FuzzRandom): Uint8Array {
  return rng.chance(0.5) ? encodeCookie(rng.bytes(rng.range(1, 64))) : frameOfType(rng, FrameType.Cookie, 120)
}

/**
 * A FINISH sealed with the real handshake key but carrying a hostile payload (unknown flag bits,
 * wrong length, a client signature that does not verify, empty): it opens, then must be refused.
 */
export function finishWithPayload(hello: Uint8Array, welcome: Uint8Array, ephemeralSecret: Uint8Array, payload: Uint8Array): Uint8Array {
  const serverEphemeral = welcome.subarray(2, 34)
  const dh = x25519SharedSecret(ephemeralSecret, serverEphemeral)
  const hk = handshakeKeys(hello, serverEphemeral, dh)
  const th2 = transcript2(hk.th1, welcome)
  return encodeFinish(seal(hk.kClientHs, ZERO_NONCE, payload, th2))
}

/** A hostile FINISH payload (see {@link finishWithPayload}). */
export function hostileFinishPayload(rng: FuzzRandom): Uint8Array {
  switch (rng.int(5)) {
    case 0:
      return Uint8Array.of(rng.range(4, 255)) // unknown flag bits
    case 1:
      return new Uint8Array(0) // empty
    case 2: {
      const p = rng.bytes(rng.range(2, 96)) // anonymous with trailing bytes, or identity too short
      p[0] = rng.pick([0, 1, 2, 3])
      return p
    }
    case 3: {
      const p = rng.bytes(97) // identity with a signature that does not verify
      p[0] = 1
      return p
    }
    default: {
      const p = rng.bytes(rng.range(98, 300)) // identity too long
      p[0] = 1
      return p
    }
  }
}
