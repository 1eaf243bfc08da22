import { type ArqEngineFactory, createArqEngine } from '@kp/core/arq'
import { TransportBase, type TransportDropStats } from '@kp/core/transport'

/** Where a {@link UdpTransport} sends its datagrams and reports its life events. @internal */
export interface DatagramOutlet {
  /** Sends one datagram; never throws (a full queue or a socket error drops it, counted). */
  send(frame: Uint8Array): void
  /** Bytes queued in the socket and not yet handed to the network. */
  queued(): number
  /** The transport closed: forget it (and, on the client, close the socket). */
  closed(): void
  /** Core completed a handshake on the transport. */
  established(): void
  /** The transport dropped a datagram: above its receive limit, or beyond the early-frame bound. */
  dropped(kind: keyof TransportDropStats): void
}

/**
 * One UDP session seen as a {@link Transport}: each frame is one datagram. Unreliable
 * (`reliable === false`): frames may be lost, repeated or reordered; core's replay window and
 * resends deal with that. The contract's bookkeeping is `TransportBase`'s: datagrams that arrive
 * before `setHandlers` are kept (16 at most, more are dropped as a full kernel buffer would),
 * and until core calls `authenticated()` a datagram above the handshake size (512 bytes) is
 * dropped, counted in `dropped.oversize` (a datagram's source can be spoofed, so it never ends
 * the session). @internal
 */
export class UdpTransport extends TransportBase {
  /** UDP offers reliable mode (PROTOCOL.md 9). */
  readonly arqEngine: ArqEngineFactory = createArqEngine

  constructor(
    private readonly outlet: DatagramOutlet,
    remoteAddress: string,
    maxFrame: number,
    maxEarlyFrames: number,
  ) {
    super({ reliable: false, maxFrame, remoteAddress, maxEarlyFrames })
  }

  /** Bytes queued in the socket (shared by every session of a server socket). */
  get bufferedAmount(): number {
    return this.closed ? 0 : this.outlet.queued()
  }

  protected output(frame: Uint8Array): void {
    this.outlet.send(frame)
  }

  protected closeLink(): void {
    this.outlet.closed()
  }

  protected override frameDropped(kind: keyof TransportDropStats): void {
    super.frameDropped(kind)
    this.outlet.dropped(kind)
  }

  /** A datagram for this session arrived (called by the listener or connector). */
  datagram(frame: Uint8Array): void {
    this.receive(frame)
  }

  established(): void {
    if (!this.closed) this.outlet.established()
  }
}
