import { BipackReader, BipackWriter } from '@kp/bipack'
import { FrameType, HELLO_SIZE, PROTOCOL_VERSION, SEALED_IDENTITY_SIZE, WELCOME_SIZE } from './constants.js'

/** A parsed HELLO (PROTOCOL.md 4.1). */
export interface Hello {
  version: number
  ephemeral: Uint8Array
  cookie: Uint8Array
}

/** Why a handshake frame did not parse; the caller maps it to REJECT or HandshakeError. */
export class FrameParseError extends Error {
  constructor(
    readonly reason: 'malformed' | 'unsupported-version',
    message: string,
  ) {
    super(message)
  }
}

const MAX_COOKIE = 64

/** HELLO = 0x01 ‖ smartint(1) ‖ fixed32(e_c_pub) ‖ bytes(cookie) ‖ zero padding to 256 bytes. */
export function encodeHello(ephemeral: Uint8Array, cookie: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (cookie.length > MAX_COOKIE) throw new RangeError(`cookie of ${cookie.length} bytes is too long`)
  const w = new BipackWriter(HELLO_SIZE)
  w.u8(FrameType.Hello).unsigned(PROTOCOL_VERSION).fixed(ephemeral).bytes(cookie)
  const out = new Uint8Array(HELLO_SIZE)
  out.set(w.view())
  return out
}

/** Parses a HELLO strictly: exactly 256 bytes, all padding zero, version first. */
export function parseHello(frame: Uint8Array): Hello {
  if (frame.length !== HELLO_SIZE) throw new FrameParseError('malformed', `HELLO must be ${HELLO_SIZE} bytes, got ${frame.length}`)
  try {
    const r = new BipackReader(frame, 1)
    const version = r.unsigned()
    if (version !== PROTOCOL_VERSION)
      throw new FrameParseError('unsupported-version', `version ${version} is not supported (this peer speaks ${PROTOCOL_VERSION})`)
    const ephemeral = r.fixed(32)
    const cookie = r.bytes()
    if (cookie.length > MAX_COOKIE) throw new FrameParseError('malformed', 'HELLO cookie too long')
    for (let i = r.offset; i < frame.length; i++) {
      if (frame[i] !== 0) throw new FrameParseError('malformed', 'HELLO padding is not all zero')
    }
    return { version, ephemeral, cookie }
  } catch (e) {
    if (e instanceof FrameParseError) throw e
    throw new FrameParseError('malformed', `HELLO does not parse: ${(e as Error).message}`)
  }
}

/** WELCOME = 0x02 ‖ smartint(1) ‖ fixed32(e_s_pub) ‖ fixed112(sealed). */
export function encodeWelcome(ephemeral: Uint8Array, sealed: Uint8Array): Uint8Array {
  const out = new Uint8Array(WELCOME_SIZE)
  out[0] = FrameType.Welcome
  out[1] = PROTOCOL_VERSION << 2 // smartint(1), one byte
  out.set(ephemeral, 2)
  out.set(sealed, 34)
  return out
}

/** Parses a WELCOME; returns the server ephemeral key and the sealed identity. */
export function parseWelcome(frame: Uint8Array): { ephemeral: Uint8Array; sealed: Uint8Array } {
  if (frame.length !== WELCOME_SIZE) throw new FrameParseError('malformed', `WELCOME must be ${WELCOME_SIZE} bytes, got ${frame.length}`)
  if (frame[1] !== PROTOCOL_VERSION << 2) throw new FrameParseError('unsupported-version', 'WELCOME carries an unsupported version')
  return { ephemeral: frame.subarray(2, 34), sealed: frame.subarray(34, 34 + SEALED_IDENTITY_SIZE) }
}

/** FINISH = 0x03 ‖ sealed. */
export function encodeFinish(sealed: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + sealed.length)
  out[0] = FrameType.Finish
  out.set(sealed, 1)
  return out
}

/** REJECT = 0x05 ‖ smartint(code) ‖ string(message). */
export function encodeReject(code: number, message: string): Uint8Array {
  return new BipackWriter(64).u8(FrameType.Reject).unsigned(code).string(message.slice(0, 200)).toBytes()
}

/** Parses a REJECT; never throws (a garbled REJECT still means "rejected"). */
export function parseReject(frame: Uint8Array): { code: number; message: string } {
  try {
    const r = new BipackReader(frame, 1)
    const code = r.unsigned()
    const message = r.string()
    return { code, message: message.slice(0, 200) }
  } catch {
    return { code: 0, message: 'unreadable REJECT' }
  }
}

/** COOKIE = 0x06 ‖ bytes(cookie). */
export function encodeCookie(cookie: Uint8Array): Uint8Array {
  return new BipackWriter(24).u8(FrameType.Cookie).bytes(cookie).toBytes()
}

/** Parses a COOKIE frame; returns null when malformed. */
export function parseCookie(frame: Uint8Array): Uint8Array | null {
  try {
    const r = new BipackReader(frame, 1)
    const cookie = r.bytes()
    r.expectEnd()
    return cookie.length > 0 && cookie.length <= MAX_COOKIE ? cookie.slice() : null
  } catch {
    return null
  }
}
