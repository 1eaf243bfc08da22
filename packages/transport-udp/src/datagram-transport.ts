import type { Transport, TransportHandlers } from '@kp/core'

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
}

/**
 * One UDP session seen as a {@link Transport}: each frame is one datagram. Unreliable
 * (`reliable === false`): frames may be lost, repeated or reordered; core's replay window and
 * resends deal with that. Incoming frames are handed over synchronously from the socket's
 * `message` event; frames that arrive before {@link setHandlers} are kept (up to a bound).
 * @internal
 */
export class UdpTransport implements Transport {
  readonly reliable = false
  private handlers: TransportHandlers | null = null
  private early: Uint8Array[] | null = null
  private isClosed = false
  private pendingClose: { error: Error | undefined } | null = null

  constructor(
    private readonly outlet: DatagramOutlet,
    readonly remoteAddress: string,
    readonly maxFrame: number,
    private readonly maxEarly: number,
  ) {}

  /** Bytes queued in the socket (shared by every session of a server socket). */
  get bufferedAmount(): number {
    return this.isClosed ? 0 : this.outlet.queued()
  }

  /** True once closed (by either side or an error). */
  get closed(): boolean {
    return this.isClosed
  }

  send(frame: Uint8Array): void {
    if (frame.length > this.maxFrame) {
      throw new RangeError(`frame of ${frame.length} bytes exceeds maxFrame ${this.maxFrame} of this UDP transport`)
    }
    if (this.isClosed) return
    this.outlet.send(frame)
  }

  /** A datagram for this session arrived (called by the listener or connector). */
  receive(frame: Uint8Array): void {
    if (this.isClosed) return
    const h = this.handlers
    if (h === null || this.early !== null) {
      const early = (this.early ??= [])
      // a session whose core has not started yet keeps only a few datagrams, as a kernel would
      if (early.length < this.maxEarly) early.push(frame)
      return
    }
    this.deliver(h, frame)
  }

  private deliver(h: TransportHandlers, frame: Uint8Array): void {
    try {
      h.frame(frame)
    } catch (e) {
      // a throwing handler ends this session, never the socket shared with the others
      this.close(e instanceof Error ? e : new Error(String(e)))
    }
  }

  setHandlers(handlers: TransportHandlers): void {
    if (this.handlers) throw new Error('setHandlers may be called once')
    this.handlers = handlers
    const p = this.pendingClose
    if (p) {
      this.pendingClose = null
      queueMicrotask(() => handlers.close(p.error))
      return
    }
    if (this.early !== null) {
      queueMicrotask(() => {
        const early = this.early
        this.early = null
        if (early !== null) for (const f of early) if (!this.isClosed) this.deliver(handlers, f)
      })
    }
  }

  close(error?: Error): void {
    if (this.isClosed) return
    this.isClosed = true
    this.early = null
    this.outlet.closed()
    const h = this.handlers
    if (h) queueMicrotask(() => h.close(error))
    else this.pendingClose = { error }
  }

  established(): void {
    if (!this.isClosed) this.outlet.established()
  }
}
