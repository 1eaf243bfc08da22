/** One outgoing fragment and its retransmission state (KCP's `IKCPSEG`, sender side). @internal */
export class OutSegment {
  /** Sequence number, assigned when the segment first enters the send window. */
  sn = -1
  /** Fragments of the same message still to come after this one (0 = last). */
  readonly frg: number
  readonly data: Uint8Array
  /** Transmissions so far, redundant copies included (dead-link count). */
  xmit = 0
  /** Regular transmissions so far: the first, timeouts, fast and early retransmits. */
  sends = 0
  /** `ts` (u32 ms) of the last transmission, as the peer will echo it. */
  ts = 0
  /** Clock time of the first transmission (dead-link deadline). */
  firstAt = 0
  /** Clock time when the retransmission timer fires. */
  resendAt = 0
  /** This segment's retransmission timeout; grows 1.5× per timeout. */
  rto = 0
  /** Later segments ACKed since this one was last sent (fast retransmit). */
  fastack = 0
  /** Clock time of the last fast retransmit (at most one per rto). */
  fastAt = Number.NEGATIVE_INFINITY
  /** Clock time of the last transmission (regular or redundant copy). */
  lastAt = 0
  /** Redundant copies sent since the last regular transmission. */
  copies = 0
  /** Waiting in the resend list for the next flush. */
  resend = false

  constructor(frg: number, data: Uint8Array) {
    this.frg = frg
    this.data = data
  }
}
