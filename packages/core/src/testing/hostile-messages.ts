import { BipackWriter } from '@kp/bipack'
import { Kind } from '../protocol/constants.js'
import { writeCall, writeCancel, writeClose, writeError, writePing, writePong, writePush, writeReady, writeResult } from '../protocol/messages.js'
import { fuzzApi, fuzzCommandNames } from './fuzz-api.js'
import type { FuzzRandom } from './fuzz-random.js'

/**
 * Record plaintexts a hostile peer seals (PROTOCOL.md 6), built with the message writers of
 * `protocol/messages.ts` plus a few hand-made encodings the writers never produce.
 */

/** Builds one plaintext from message writers. */
export function plaintext(write: (w: BipackWriter) => void): Uint8Array {
  const w = new BipackWriter(64)
  write(w)
  return w.toBytes()
}

/** `string` argument bytes of `echo`. */
export function echoArgs(s: string): Uint8Array {
  return fuzzApi.echo.args.encode(s)
}

/** One CALL message. */
export function callMessage(id: number, command: string, args: Uint8Array): Uint8Array {
  return plaintext((w) => writeCall(w, id, command, args))
}

/** Valid arguments for the served commands, random bytes for the others. */
export function argsFor(rng: FuzzRandom, command: string): Uint8Array {
  switch (command) {
    case 'echo':
    case 'fail':
    case 'callBack':
    case 'note':
      return echoArgs('x'.repeat(rng.int(40)))
    case 'echoBytes':
      return fuzzApi.echoBytes.args.encode(rng.bytes(rng.int(64)))
    case 'slow':
      return fuzzApi.slow.args.encode(rng.int(30))
    case 'hang':
      return new Uint8Array(0)
    default:
      return rng.bytes(rng.int(16))
  }
}

/** A random message of any kind, well formed (READY included: a client must never send it). */
export function randomMessage(rng: FuzzRandom, w: BipackWriter, ids: { max: number } = { max: 64 }): void {
  const id = rng.chance(0.05) ? rng.pick([0, 2 ** 31, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER]) : rng.int(ids.max)
  switch (rng.int(10)) {
    case 0:
      return writeReady(w, { maxMessage: rng.int(1 << 20), pingIntervalMs: rng.int(1000), idleTimeoutMs: rng.int(1000) })
    case 1:
    case 2: {
      const name = rng.pick(fuzzCommandNames)
      return writeCall(w, id, name, rng.chance(0.8) ? argsFor(rng, name) : rng.bytes(rng.int(24)))
    }
    case 3: {
      const name = rng.pick(fuzzCommandNames)
      return writePush(w, name, rng.chance(0.8) ? argsFor(rng, name) : rng.bytes(rng.int(24)))
    }
    case 4:
      return writeResult(w, id, rng.bytes(rng.int(32)))
    case 5:
      return writeError(w, id, rng.pick(['kp.Busy', 'kp.Internal', 'fuzz.Refused', 'app.Other', '']), 'hostile', rng.bytes(rng.int(16)))
    case 6:
      return writeCancel(w, id)
    case 7:
      return writePing(w)
    case 8:
      return writePong(w)
    default:
      // CLOSE last: nothing after it is read anyway
      return writePing(w)
  }
}

/** A well-formed message cut short by 1..n-1 bytes (a message that ends early). */
export function truncatedMessage(rng: FuzzRandom): Uint8Array {
  for (;;) {
    const full = plaintext((w) => randomMessage(rng, w))
    if (full.length >= 2) return full.slice(0, rng.range(1, full.length - 1))
  }
}

/** A message of an unknown or reserved kind (15 reserved, then anything from 16 up to 2^53-1). */
export function unknownKindMessage(rng: FuzzRandom): Uint8Array {
  // kinds 9..14 are streams (PROTOCOL.md 14); 15 stays reserved, 16 and above are unknown
  const kind = rng.weighted<number>([
    [4, 15],
    [3, rng.range(16, 1 << 20)],
    [1, Number.MAX_SAFE_INTEGER],
  ])
  return plaintext((w) => w.unsigned(kind).fixed(rng.bytes(rng.int(12))))
}

/**
 * Writes `v` as a non-minimal unsigned smartint (PROTOCOL.md 2): a longer type than needed, or a
 * varint tail with redundant continuation bytes. Decoders accept these (bipack reads non-minimal
 * forms); the peer must not misread the message after it.
 */
export function writeNonMinimal(w: BipackWriter, v: number, rng: FuzzRandom): void {
  if (v >= 1 << 22) {
    w.unsigned(v)
    return
  }
  const low = (v & 63) << 2
  const forms: number[] = [3]
  if (v < 64) forms.push(1)
  if (v < 1 << 14) forms.push(2)
  switch (rng.pick(forms)) {
    case 1:
      w.u8(low | 1).u8(0)
      return
    case 2:
      w.u8(low | 2)
        .u8((v >>> 6) & 255)
        .u8((v >>> 14) & 255)
      return
    default:
      // type 3 with a varint tail of 0 written as `80 00` (a redundant continuation byte)
      w.u8(low | 3)
        .u8((v >>> 6) & 255)
        .u8((v >>> 14) & 255)
        .u8(0x80)
        .u8(0x00)
  }
}

/** A CALL of `echo` whose kind, id and lengths are non-minimal smartints. */
export function nonMinimalCall(rng: FuzzRandom, id: number, text: string): Uint8Array {
  const w = new BipackWriter(64)
  const utf8 = new TextEncoder().encode(text)
  const inner = new BipackWriter(32)
  writeNonMinimal(inner, utf8.length, rng)
  inner.fixed(utf8)
  const args = inner.toBytes()
  const name = new TextEncoder().encode('echo')
  const part = (v: number) => {
    const s = new BipackWriter(8)
    writeNonMinimal(s, v, rng)
    w.fixed(s.toBytes())
  }
  part(Kind.Call)
  part(id)
  part(name.length)
  w.fixed(name)
  part(args.length)
  w.fixed(args)
  return w.toBytes()
}

/** A CLOSE whose reason is `length` bytes long; `invalidUtf8` puts a lone continuation byte in it. */
export function hugeClose(rng: FuzzRandom, length: number, invalidUtf8: boolean): Uint8Array {
  if (!invalidUtf8) return plaintext((w) => writeClose(w, 'r'.repeat(length)))
  const reason = rng.bytes(length).map((b) => (b & 0x3f) | 0x80)
  return plaintext((w) => w.unsigned(Kind.Close).bytes(reason))
}

/** `count` PINGs in one plaintext. */
export function pingFlood(count: number): Uint8Array {
  const w = new BipackWriter(count)
  for (let i = 0; i < count; i++) writePing(w)
  return w.toBytes()
}
