import { BipackError, BipackReader, BipackWriter } from '@kp/bipack'
import { ArqDecodeError } from './arq-decode-error.js'
import { MAX_FRAGMENTS, SegTag } from './constants.js'

/** Byte length of the unsigned smartint of a safe non-negative integer (no validation). @internal */
export function uintSize(v: number): number {
  if (v < 64) return 1
  if (v < 16384) return 2
  if (v < 4194304) return 3
  let rest = Math.floor(v / 4194304)
  let n = 4
  while (rest >= 128) {
    rest = Math.floor(rest / 128)
    n++
  }
  return n
}

/** Bytes of an ACK segment for `sn`. @internal */
export function ackSize(sn: number): number {
  return 1 + uintSize(sn) + 4
}

/** Bytes of a PUSH segment for `sn` carrying `len` data bytes. @internal */
export function pushSize(sn: number, len: number): number {
  return 1 + uintSize(sn) + 4 + 1 + uintSize(len) + len
}

/** One decoded segment (PROTOCOL.md 9). `data` is a view into the payload. */
export type ArqSegment =
  | { type: 'push'; sn: number; ts: number; frg: number; data: Uint8Array }
  | { type: 'ack'; sn: number; ts: number }
  | { type: 'wask' }
  | { type: 'wins' }

/** A decoded ARQ payload: `smartint(una) ‖ smartint(wnd) ‖ segment*`. */
export interface ArqPayload {
  /** Next sequence number the sender expects to receive (cumulative ACK). */
  una: number
  /** The sender's free receive window, in segments. */
  wnd: number
  segments: ArqSegment[]
}

/**
 * Zero-allocation scanner of one ARQ payload: validates the whole payload first and leaves its
 * segments in parallel arrays, so the engine applies nothing of a payload that is malformed.
 * Data is described by offsets into the scanned payload. @internal
 */
export class ArqScan {
  una = 0
  wnd = 0
  /** Number of segments scanned. */
  count = 0
  readonly tag: number[] = []
  readonly sn: number[] = []
  readonly ts: number[] = []
  readonly frg: number[] = []
  readonly start: number[] = []
  readonly len: number[] = []

  /** Scans `packet`; throws `ArqDecodeError` (never another error) when it is malformed. */
  scan(packet: Uint8Array): void {
    this.count = 0
    const r = new BipackReader(packet)
    try {
      this.una = r.unsigned()
      this.wnd = r.unsigned()
      let n = 0
      while (r.offset < r.end) {
        const at = r.offset
        const tag = r.u8()
        let sn = 0
        let ts = 0
        let frg = 0
        let start = 0
        let len = 0
        if (tag === SegTag.Push) {
          sn = r.unsigned()
          ts = r.u32()
          frg = r.u8()
          if (frg >= MAX_FRAGMENTS) throw new ArqDecodeError(`PUSH frg ${frg} above ${MAX_FRAGMENTS - 1}`, at)
          const lenAt = r.offset
          len = r.unsigned()
          start = r.offset
          if (len > r.end - start) throw new ArqDecodeError(`PUSH data length ${len} exceeds the ${r.end - start} byte(s) left`, lenAt)
          r.offset = start + len
        } else if (tag === SegTag.Ack) {
          sn = r.unsigned()
          ts = r.u32()
        } else if (tag !== SegTag.Wask && tag !== SegTag.Wins) {
          throw new ArqDecodeError(`unknown segment tag ${tag}`, at)
        }
        this.tag[n] = tag
        this.sn[n] = sn
        this.ts[n] = ts
        this.frg[n] = frg
        this.start[n] = start
        this.len[n] = len
        n++
      }
      this.count = n
    } catch (e) {
      this.count = 0
      if (ArqDecodeError.isInstance(e)) throw e
      if (BipackError.isInstance(e)) throw new ArqDecodeError(e.message, e.offset, { cause: e })
      throw new ArqDecodeError(String((e as Error)?.message ?? e), -1, { cause: e })
    }
  }
}

/**
 * Decodes one ARQ payload (PROTOCOL.md 9) into objects; for tests and tools (the engine uses a
 * scanner that allocates nothing). Throws `ArqDecodeError` on malformed input.
 *
 * @example
 * const { una, wnd, segments } = decodeArqPayload(bytes)
 */
export function decodeArqPayload(packet: Uint8Array): ArqPayload {
  if (!(packet instanceof Uint8Array)) throw new TypeError(`"packet" expected Uint8Array, got ${typeof packet}`)
  const s = new ArqScan()
  s.scan(packet)
  const segments: ArqSegment[] = []
  for (let i = 0; i < s.count; i++) {
    const tag = s.tag[i]!
    if (tag === SegTag.Push) {
      const start = s.start[i]!
      segments.push({ type: 'push', sn: s.sn[i]!, ts: s.ts[i]!, frg: s.frg[i]!, data: packet.subarray(start, start + s.len[i]!) })
    } else if (tag === SegTag.Ack) segments.push({ type: 'ack', sn: s.sn[i]!, ts: s.ts[i]! })
    else segments.push({ type: tag === SegTag.Wask ? 'wask' : 'wins' })
  }
  return { una: s.una, wnd: s.wnd, segments }
}

/**
 * Encodes one ARQ payload (PROTOCOL.md 9). For tests and tools; the engine writes segments
 * straight into its packet buffer.
 *
 * @example
 * encodeArqPayload({ una: 0, wnd: 128, segments: [{ type: 'ack', sn: 3, ts: 1000 }] })
 */
export function encodeArqPayload(payload: ArqPayload, w: BipackWriter = new BipackWriter(64)): Uint8Array {
  w.reset()
  w.unsigned(payload.una).unsigned(payload.wnd)
  for (const s of payload.segments) {
    if (s.type === 'push') {
      if (!(s.frg >= 0 && s.frg < MAX_FRAGMENTS && Number.isInteger(s.frg)))
        throw new RangeError(`"frg" expected integer 0..${MAX_FRAGMENTS - 1}, got ${s.frg}`)
      w.u8(SegTag.Push).unsigned(s.sn).u32(s.ts).u8(s.frg).bytes(s.data)
    } else if (s.type === 'ack') w.u8(SegTag.Ack).unsigned(s.sn).u32(s.ts)
    else if (s.type === 'wask') w.u8(SegTag.Wask)
    else if (s.type === 'wins') w.u8(SegTag.Wins)
    else throw new TypeError(`unknown segment type ${(s as { type: unknown }).type}`)
  }
  return w.toBytes()
}
