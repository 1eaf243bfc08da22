import { ProtocolError } from '../errors/protocol-error.js'
import { TransportError } from '../errors/transport-error.js'
import type { MemoryBudget } from '../limits/memory-budget.js'
import { Defaults } from '../protocol/constants.js'
import { TransportCode } from './transport-codes.js'
import type { Transport, TransportHandlers } from './transport.js'

/** Frames kept for a transport whose handlers are not installed yet (see {@link TransportBaseOptions}). */
export const DEFAULT_MAX_EARLY_FRAMES = 16
/** Bytes kept for a transport whose handlers are not installed yet: 16 handshake-sized frames. */
export const DEFAULT_MAX_EARLY_BYTES = 16 * Defaults.handshakeFrameMax
/** Buffered output a connection may hold before it is charged to its {@link MemoryBudget}. */
export const DEFAULT_OUTPUT_ALLOWANCE = 64 * 1024
/** How often a charged connection re-measures its buffered output to give bytes back, ms. */
const DRAIN_POLL_MS = 50

/** What a transport built on {@link TransportBase} tells it about itself. */
export interface TransportBaseOptions {
  /** Ordered and lossless (stream, WebSocket) or datagram. */
  reliable: boolean
  /** The operating system keeps the idle connection alive (TCP keepalive); see `Transport.keepAlive`. */
  keepAlive?: boolean
  /** Largest frame sent or accepted, bytes. */
  maxFrame: number
  /** Peer address for logs and limits. */
  remoteAddress: string
  /**
   * Bytes `bufferedAmount` may reach; a send beyond it closes the transport with
   * `TransportError` code `kp.SlowPeer`. Default: no bound (datagram transports drop instead).
   */
  maxBuffered?: number
  /**
   * Budget charged with buffered output beyond `outputAllowance`; when it refuses, the transport
   * closes with `TransportError` code `kp.MemoryBudget`. Default: none.
   */
  memoryBudget?: MemoryBudget | null
  /** Buffered output not charged to `memoryBudget`, bytes. Default 64 KiB. */
  outputAllowance?: number
  /** Frames kept before `setHandlers`. Default 16. */
  maxEarlyFrames?: number
  /** Bytes kept before `setHandlers`. Default 8 KiB (16 handshake-sized frames). */
  maxEarlyBytes?: number
}

/** Counters of frames a {@link TransportBase} dropped instead of delivering (datagram transports). */
export interface TransportDropStats {
  /** Frames over the receive limit (handshake size before `authenticated()`, then `maxFrame`) or empty. */
  oversize: number
  /** Frames beyond the early-frame bound (before `setHandlers`). */
  early: number
}

/**
 * The bookkeeping every {@link Transport} shares, so that a transport only moves bytes. A subclass
 * implements {@link output} (write one frame), {@link closeLink} (end the link) and
 * `bufferedAmount`, calls {@link receive} for each whole frame that arrives and
 * {@link linkClosed} when the link ends by itself (peer close, network error). The base then
 * keeps the rules of the contract (see `transport.ts`):
 *
 * - Early frames: frames received before `setHandlers` are kept in order, at most
 *   `maxEarlyFrames` / `maxEarlyBytes`; beyond it a reliable transport closes with
 *   `TransportError` code `kp.EarlyFrames`, a datagram one drops the frame (counted). They are
 *   delivered in one microtask queued by `setHandlers`, before any later frame.
 * - Close once: `handlers.close` is called exactly once, in a microtask, whoever closed; a close
 *   before `setHandlers` is reported in the microtask `setHandlers` queues, after the early
 *   frames (a local close drops early frames not yet delivered; a peer's close does not).
 * - `send` after close is ignored; `send` of an empty frame or one above `maxFrame` throws
 *   `RangeError` (also after close).
 * - A `handlers.frame` that throws closes this transport only, with what it threw.
 * - Receive limit ({@link receiveLimit}): `Defaults.handshakeFrameMax` until
 *   {@link authenticated}, then `maxFrame`. A larger frame closes a reliable transport with
 *   `TransportError` code `kp.FrameTooLarge`; a datagram transport drops it (counted), since
 *   anyone can send a datagram from a spoofed address. A byte-stream decoder asks
 *   {@link admitLength} on the frame header, before allocating for the body.
 * - Output bounds: `maxBuffered` (per connection, `kp.SlowPeer`) and `memoryBudget` (shared,
 *   `kp.MemoryBudget`), both checked before a frame is handed to the link.
 */
export abstract class TransportBase implements Transport {
  readonly reliable: boolean
  readonly keepAlive: boolean
  readonly maxFrame: number
  readonly remoteAddress: string
  /** Bound of `bufferedAmount` (Infinity: none). */
  readonly maxBuffered: number
  /** Frames this transport dropped instead of delivering (datagram transports). */
  readonly dropped: TransportDropStats = { oversize: 0, early: 0 }
  /**
   * Set by a listener, before it hands the transport to core, on a connection beyond its
   * `maxConnections`: core answers REJECT `Full` and closes it (see `Transport.refusal`).
   */
  refusal?: 'full'
  private handlers: TransportHandlers | null = null
  /** Frames waiting for the handlers (before setHandlers, until its microtask runs); null: none. */
  private early: Uint8Array[] | null = null
  private earlyBytes = 0
  private readonly maxEarlyFrames: number
  private readonly maxEarlyBytes: number
  private isClosed = false
  /** Closed from this side: frames not yet delivered are dropped. */
  private discard = false
  private reported = false
  private pendingClose: { error: Error | undefined } | null = null
  private isAuthenticated = false
  private readonly budget: MemoryBudget | null
  private readonly allowance: number
  /** Bytes of `budget` this transport holds. */
  private charged = 0
  private drainTimer: ReturnType<typeof setTimeout> | null = null

  constructor(options: TransportBaseOptions) {
    this.reliable = options.reliable
    this.keepAlive = options.keepAlive ?? false
    this.maxFrame = options.maxFrame
    this.remoteAddress = options.remoteAddress
    this.maxBuffered = options.maxBuffered ?? Number.POSITIVE_INFINITY
    this.budget = options.memoryBudget ?? null
    this.allowance = options.outputAllowance ?? DEFAULT_OUTPUT_ALLOWANCE
    this.maxEarlyFrames = options.maxEarlyFrames ?? DEFAULT_MAX_EARLY_FRAMES
    this.maxEarlyBytes = options.maxEarlyBytes ?? DEFAULT_MAX_EARLY_BYTES
  }

  /** Bytes accepted by `send` and not yet handed to the network. */
  abstract get bufferedAmount(): number

  /** Writes one frame to the link: the transport is open and the frame's size is checked. */
  protected abstract output(frame: Uint8Array): void

  /**
   * Ends the link, once, when this side closes: `abort` false for {@link close} (flush what was
   * sent, then end), true for {@link fail} (drop at once: bad input, a limit hit).
   */
  protected abstract closeLink(error: Error | undefined, abort: boolean): void

  /** A datagram transport dropped a frame (counted in {@link dropped}); a subclass may count it too. */
  protected frameDropped(kind: keyof TransportDropStats): void {
    this.dropped[kind]++
  }

  /** The receive limit changed (to `maxFrame`, on {@link authenticated}); a link that checks sizes itself follows it. */
  protected receiveLimitChanged(_limit: number): void {}

  /** True once closed, by either side or an error. */
  get closed(): boolean {
    return this.isClosed
  }

  /** Largest frame accepted right now: `Defaults.handshakeFrameMax` until {@link authenticated}, then `maxFrame`. */
  get receiveLimit(): number {
    return this.isAuthenticated ? this.maxFrame : Math.min(this.maxFrame, Defaults.handshakeFrameMax)
  }

  /** Core: the peer proved the handshake; frames up to `maxFrame` are accepted from now on. */
  authenticated(): void {
    if (this.isAuthenticated) return
    this.isAuthenticated = true
    if (!this.isClosed) this.receiveLimitChanged(this.maxFrame)
  }

  send(frame: Uint8Array): void {
    if (!(frame instanceof Uint8Array)) throw new TypeError(`"frame" expected Uint8Array, got ${typeof frame}`)
    const len = frame.length
    if (len === 0 || len > this.maxFrame) {
      throw new RangeError(`"frame" expected 1 to ${this.maxFrame} bytes (maxFrame), got length=${len}`)
    }
    if (this.isClosed) return
    if (this.maxBuffered !== Number.POSITIVE_INFINITY || this.budget !== null) {
      const queued = this.bufferedAmount
      if (queued + len > this.maxBuffered) {
        this.fail(
          new TransportError(
            `peer ${this.remoteAddress} is not reading: ${queued} bytes already wait to be sent and ${len} more would exceed maxBuffered (${this.maxBuffered})`,
            { code: TransportCode.SlowPeer },
          ),
        )
        return
      }
      if (this.budget !== null && queued + len > this.allowance + this.charged && !this.settleOutput(queued + len)) return
    }
    this.output(frame)
  }

  setHandlers(handlers: TransportHandlers): void {
    if (this.handlers) throw new Error('setHandlers may be called once')
    if (typeof handlers?.frame !== 'function' || typeof handlers.close !== 'function') {
      throw new TypeError('"handlers" expected { frame(frame), close(error) }')
    }
    this.handlers = handlers
    if (this.early !== null || this.pendingClose !== null) queueMicrotask(() => this.flushEarly(handlers))
  }

  /** Closes the transport (idempotent); frames already sent are flushed where the link can. */
  close(error?: Error): void {
    this.end(error, false)
  }

  /** Ends the transport at once from this side (bad input, a limit hit), reporting `error`. */
  protected fail(error: Error): void {
    this.end(error, true)
  }

  /** This side ends the transport: undelivered frames are dropped, the link closed once, the close reported once. */
  private end(error: Error | undefined, abort: boolean): void {
    this.discard = true
    if (this.isClosed) return
    this.isClosed = true
    this.release()
    this.closeLink(error, abort)
    this.report(error)
  }

  /** The link ended by itself (peer close, network error): frames already received are still delivered, then the close. */
  protected linkClosed(error?: Error): void {
    if (this.isClosed) return
    this.isClosed = true
    this.release()
    this.report(error)
  }

  /** One whole frame arrived from the link. The array is handed to core as it is (no copy). */
  protected receive(frame: Uint8Array): void {
    if (this.isClosed) return
    const len = frame.length
    if ((len === 0 || len > this.receiveLimit) && !this.admitLength(len)) return
    const h = this.handlers
    if (h === null || this.early !== null) {
      this.keepEarly(frame)
      return
    }
    try {
      h.frame(frame)
    } catch (e) {
      this.fail(asError(e))
    }
  }

  /**
   * Checks the length of a frame about to be received against {@link receiveLimit}, before
   * anything is allocated for it (`atLeast`: the length is a lower bound, its header is not
   * complete). Over the limit, or 0: a reliable transport closes (`kp.FrameTooLarge`, or a
   * `ProtocolError` for 0) and a datagram one counts the drop; either way it returns false.
   */
  protected admitLength(length: number, atLeast = false): boolean {
    const limit = this.receiveLimit
    if (length > 0 && length <= limit) return true
    if (this.isClosed) return false
    if (!this.reliable) {
      this.frameDropped('oversize')
      return false
    }
    if (length === 0) {
      this.fail(new ProtocolError(`frame length 0 from ${this.remoteAddress} is not allowed`))
      return false
    }
    const what = this.isAuthenticated ? 'maxFrame' : 'handshake frames, before the peer is authenticated'
    this.fail(
      new TransportError(`frame of ${atLeast ? 'at least ' : ''}${length} bytes from ${this.remoteAddress} exceeds the limit of ${limit} bytes (${what})`, {
        code: TransportCode.FrameTooLarge,
      }),
    )
    return false
  }

  /**
   * Re-measures buffered output (a subclass calls it when its link drained; a timer does it too
   * while bytes are charged) and settles the charge with the memory budget. Returns false, after
   * closing with `kp.MemoryBudget`, when the budget refuses.
   */
  protected settleOutput(buffered = this.bufferedAmount): boolean {
    const budget = this.budget
    if (budget === null || this.isClosed) return true
    const want = buffered > this.allowance ? buffered - this.allowance : 0
    if (want > this.charged) {
      if (!budget.take(want - this.charged)) {
        this.fail(
          new TransportError(
            `memory budget spent: ${budget.used} of ${budget.limit} bytes are buffered for peers, ${this.remoteAddress} would need ${want - this.charged} more`,
            { code: TransportCode.MemoryBudget },
          ),
        )
        return false
      }
    } else if (want < this.charged) budget.give(this.charged - want)
    this.charged = want
    if (want > 0 && this.drainTimer === null) {
      this.drainTimer = setTimeout(this.drainTick, DRAIN_POLL_MS)
      ;(this.drainTimer as { unref?: () => void }).unref?.()
    }
    return true
  }

  private readonly drainTick = () => {
    this.drainTimer = null
    this.settleOutput()
  }

  private keepEarly(frame: Uint8Array): void {
    const early = (this.early ??= [])
    if (early.length >= this.maxEarlyFrames || this.earlyBytes + frame.length > this.maxEarlyBytes) {
      if (!this.reliable) {
        this.frameDropped('early')
        return
      }
      this.fail(
        new TransportError(
          `${this.remoteAddress} sent more than ${this.maxEarlyFrames} frames or ${this.maxEarlyBytes} bytes before the connection was handed its handlers`,
          { code: TransportCode.EarlyFrames },
        ),
      )
      return
    }
    early.push(frame)
    this.earlyBytes += frame.length
  }

  private flushEarly(h: TransportHandlers): void {
    const early = this.early
    if (early !== null) {
      // frames that arrive meanwhile are appended to `early`, so order holds
      for (let i = 0; i < early.length && !this.discard; i++) {
        try {
          h.frame(early[i]!)
        } catch (e) {
          this.fail(asError(e))
        }
      }
      this.early = null
      this.earlyBytes = 0
    }
    const p = this.pendingClose
    if (p !== null) {
      this.pendingClose = null
      callClose(h, p.error)
    }
  }

  private report(error: Error | undefined): void {
    if (this.reported) return
    this.reported = true
    if (this.discard) {
      this.early = null
      this.earlyBytes = 0
    }
    const h = this.handlers
    if (h === null || this.early !== null) {
      // reported by the microtask setHandlers queued (or will queue), after the early frames
      this.pendingClose = { error }
      return
    }
    queueMicrotask(() => callClose(h, error))
  }

  private release(): void {
    if (this.drainTimer !== null) {
      clearTimeout(this.drainTimer)
      this.drainTimer = null
    }
    if (this.charged > 0) {
      this.budget?.give(this.charged)
      this.charged = 0
    }
  }
}

function callClose(h: TransportHandlers, error: Error | undefined): void {
  try {
    h.close(error)
  } catch {
    // a throwing close handler has no one left to report to
  }
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e))
}
