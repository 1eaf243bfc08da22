import { ProtocolError } from '../errors/protocol-error.js'
import type { ResumeSink } from '../protocol/messages.js'
import type { LinkUser } from './link.js'
import type { ResumeBuffer } from './resume-buffer.js'

/** A resumable link acknowledges at least every this many segments received (PROTOCOL.md 15)... */
const ACK_EVERY = 16
/** ... and every this many bytes of records holding segments. */
const ACK_BYTES = 64 * 1024

/**
 * The receiving side of segment numbering on a resumable link (PROTOCOL.md 15): SEQ opens a
 * segment, which is dropped when its number was already counted (a resend the peer could not
 * know we had); ACK drops what the peer counted from the kept segments. @internal
 */
export class SegmentReader {
  /** In the record being read: a SEQ was seen. */
  inSegment = false
  /** The current segment is a duplicate: its session messages are dropped. */
  dropping = false

  constructor(
    readonly buffer: ResumeBuffer,
    /** Streams and reliable datagram mode: segments must come one after the other. */
    private readonly strict: () => boolean,
    /** Writes an ACK of everything received (a link message). */
    private readonly writeAck: () => void,
  ) {}

  /** A record starts: no segment is open. */
  startRecord(): void {
    this.inSegment = false
    this.dropping = false
  }

  /** A record of `bytes` was read: acknowledge when enough arrived since the last ACK. */
  endRecord(bytes: number): void {
    if (!this.inSegment) return
    const b = this.buffer
    b.unackedInBytes += bytes
    if (b.unackedInBytes >= ACK_BYTES && b.received > b.ackedOut) this.writeAck()
  }

  seq(n: number): void {
    const b = this.buffer
    this.inSegment = true
    this.dropping = n <= b.received
    if (this.dropping) return
    if (n !== b.received + 1 && this.strict()) throw new ProtocolError(`SEQ ${n} after ${b.received}`)
    b.received = n
    if (++b.unackedIn >= ACK_EVERY) this.writeAck()
  }

  ack(n: number): void {
    const b = this.buffer
    if (n > b.sent) throw new ProtocolError(`ACK ${n} of segments never sent (last ${b.sent})`)
    b.ack(n)
  }
}

/** What {@link LinkResumeSink} needs of its link. @internal */
export interface ResumeSinkHost {
  readonly segments: SegmentReader | null
  readonly user: LinkUser | null
  readonly isClosed: boolean
  expectReady(): void
}

/**
 * The messages of PROTOCOL.md 15 as a link reads them; on a link that is not resumable each is a
 * ProtocolError. One object per link, its methods on the prototype. @internal
 */
export class LinkResumeSink implements ResumeSink {
  constructor(private readonly host: ResumeSinkHost) {}

  seq(n: number): void {
    this.segments('SEQ').seq(n)
  }
  ack(n: number): void {
    this.segments('ACK').ack(n)
  }
  session(resumeId: Uint8Array, windowMs: number): void {
    const user = this.host.user
    this.control('SESSION', user?.session)?.call(user, resumeId, windowMs)
  }
  resume(resumeId: Uint8Array, proof: Uint8Array, received: number): void {
    const user = this.host.user
    this.control('RESUME', user?.resume)?.call(user, resumeId, proof, received)
  }
  resumed(received: number): void {
    const user = this.host.user
    this.control('RESUMED', user?.resumed)?.call(user, received)
  }
  refused(reason: string): void {
    const user = this.host.user
    this.control('REFUSED', user?.refused)?.call(user, reason)
  }

  private segments(name: string): SegmentReader {
    const g = this.host.segments
    if (g === null) throw new ProtocolError(`${name} on a session that is not resumable`)
    this.host.expectReady()
    return g
  }

  /** A resumption message goes to the user that expects it, else it is a ProtocolError. */
  private control<F>(name: string, f: F | undefined): F | undefined {
    if (this.host.isClosed) return undefined
    this.host.expectReady()
    if (f === undefined) throw new ProtocolError(`unexpected ${name}`)
    return f
  }
}
