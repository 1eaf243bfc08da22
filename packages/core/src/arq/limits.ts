import { ProtocolError } from '../errors/protocol-error.js'
import { TransportError } from '../errors/transport-error.js'
import type { MemoryBudget } from '../limits/memory-budget.js'
import { TransportCode } from '../transport/transport-codes.js'
import { uintSize } from './codec.js'
import { MAX_FRAGMENTS } from './constants.js'

/**
 * Bytes a queued outgoing segment costs beyond its data: the segment object, its own copy of
 * the data and that copy's buffer header (measured about 370 bytes on Node 20). Counted against
 * `maxBuffered` so that many tiny messages cannot hold more memory than few large ones.
 */
export const ARQ_SEGMENT_OVERHEAD = 384

/** Bytes a held incoming segment costs beyond the payload it keeps alive (one view object). */
export const ARQ_VIEW_OVERHEAD = 128

/**
 * Largest data one PUSH can carry inside a payload of at most `mtu` bytes (the smallest header,
 * `una` and `wnd` of one byte, and the smallest PUSH header). The receiver refuses longer
 * payloads, so no PUSH it accepts is longer. @internal
 */
export function arqMaxSegmentData(mtu: number): number {
  let len = mtu - 9 - uintSize(mtu)
  while (9 + uintSize(len + 1) + len + 1 <= mtu) len++
  return len
}

/** Largest message an engine with this `mtu` can reassemble: 255 of the largest PUSHes. @internal */
export function arqMaxReassembly(mtu: number): number {
  return MAX_FRAGMENTS * arqMaxSegmentData(mtu)
}

/**
 * What one engine holds, for sending (queue and in flight) and on the receive side (out-of-order
 * segments, a message being reassembled, messages held by `pause`). Bytes beyond a small
 * allowance are taken from a shared {@link MemoryBudget} and given back as they are freed.
 * @internal
 */
export class ArqMemory {
  /** Bytes held for sending. */
  sending = 0
  /** Bytes held on the receive side. */
  receiving = 0
  /** Part of `sending + receiving` taken from the budget. */
  private charged = 0

  constructor(
    private readonly budget: MemoryBudget,
    private readonly allowance: number,
  ) {}

  /** Takes `bytes` for sending (or receiving); false, with nothing taken, when the budget refuses. */
  take(bytes: number, sending: boolean): boolean {
    const need = this.sending + this.receiving + bytes - this.allowance - this.charged
    if (need > 0) {
      if (!this.budget.take(need)) return false
      this.charged += need
    }
    if (sending) this.sending += bytes
    else this.receiving += bytes
    return true
  }

  /** Gives back `bytes` taken for sending (or receiving). */
  give(bytes: number, sending: boolean): void {
    if (sending) this.sending -= bytes
    else this.receiving -= bytes
    const excess = this.sending + this.receiving - this.allowance
    if (this.charged > excess) {
      const back = excess > 0 ? this.charged - excess : this.charged
      this.budget.give(back)
      this.charged -= back
    }
  }

  /** Gives everything back (the engine ended). */
  release(): void {
    this.sending = 0
    this.receiving = 0
    if (this.charged > 0) this.budget.give(this.charged)
    this.charged = 0
  }

  /** The error that ends the link when the budget refuses `bytes`. */
  refused(bytes: number, what: string): TransportError {
    const b = this.budget
    return new TransportError(
      `memory budget spent (${TransportCode.MemoryBudget}): ${bytes} more bytes ${what} refused, ${b.used} of ${b.limit} bytes in use by this process`,
      { code: TransportCode.MemoryBudget },
    )
  }
}

/** The error that ends the link when a `send` passes `maxBuffered`. @internal */
export function slowPeerError(held: number, bytes: number, maxBuffered: number): TransportError {
  return new TransportError(
    `peer is not reading (${TransportCode.SlowPeer}): ${held} bytes already wait to be sent and ${bytes} more would exceed maxBuffered (${maxBuffered})`,
    { code: TransportCode.SlowPeer },
  )
}

/** The error that ends the link when a message being reassembled passes `maxMessage`. @internal */
export function tooLargeError(bytes: number, maxMessage: number): ProtocolError {
  return new ProtocolError(`the peer sent a message of more than ${maxMessage} bytes (maxMessage): its next fragment would make it ${bytes}`)
}
