import type { Transport } from '../transport/transport.js'

/**
 * A transport seen from a hostile peer: sends whatever it is given (counting frames), queues
 * what arrives, and records who closed it. Never throws: a frame the transport refuses
 * (`RangeError` above its `maxFrame`, empty on TCP) is counted as refused instead.
 */
export class RawLink {
  /** Frames handed to the transport. */
  sent = 0
  /** Frames the local transport refused to send. */
  refused = 0
  /** Frames received and not yet taken with {@link next}. */
  readonly inbox: Uint8Array[] = []
  /** Every frame received (count). */
  received = 0
  /** True once the transport reported its close. */
  closed = false
  /** True when the close was not asked for by this side (the server, or the network, ended it). */
  closedByPeer = false
  /** The error the local transport reported with its close, if any. */
  closeError: Error | undefined
  /** The first frame this side sent (to match the server-side transport). */
  firstFrame: Uint8Array | null = null
  private closing = false
  private waiters: (() => void)[] = []

  constructor(readonly transport: Transport) {
    transport.setHandlers({
      frame: (f) => {
        this.received++
        if (this.inbox.length < 4096) this.inbox.push(f)
        this.wake()
      },
      close: (e) => {
        this.closed = true
        this.closedByPeer = !this.closing
        this.closeError = e
        this.wake()
      },
    })
  }

  /** True for ordered, lossless transports. */
  get reliable(): boolean {
    return this.transport.reliable
  }

  /** Sends one frame; false if the link is closed or the transport refused it. */
  send(frame: Uint8Array): boolean {
    if (this.closed) return false
    try {
      this.transport.send(frame)
    } catch {
      this.refused++
      return false
    }
    if (this.firstFrame === null) this.firstFrame = frame.slice(0, 320)
    this.sent++
    return true
  }

  /** The next received frame, or null after `ms` or on close. */
  async next(ms: number): Promise<Uint8Array | null> {
    const end = Date.now() + ms
    while (this.inbox.length === 0) {
      if (this.closed || Date.now() >= end) return null
      await this.wait(end - Date.now())
    }
    return this.inbox.shift()!
  }

  /** Resolves true once closed, false after `ms`. */
  async waitClosed(ms: number): Promise<boolean> {
    const end = Date.now() + ms
    while (!this.closed && Date.now() < end) await this.wait(end - Date.now())
    return this.closed
  }

  /** Resolves after `ms`, or earlier when a frame or the close arrives. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        resolve()
      }
      const timer = setTimeout(
        () => {
          const i = this.waiters.indexOf(done)
          if (i >= 0) this.waiters.splice(i, 1)
          resolve()
        },
        Math.max(0, ms),
      )
      this.waiters.push(done)
    })
  }

  /** Closes from this side (not counted as closed by the peer). */
  close(): void {
    this.closing = true
    this.transport.close()
  }

  private wake(): void {
    const ws = this.waiters
    this.waiters = []
    for (const w of ws) w()
  }
}
