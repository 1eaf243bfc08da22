import { BipackWriter } from '@kp/bipack'
import { ConnectionClosedError } from '../errors/connection-closed-error.js'
import type { KiloError } from '../errors/kilo-error.js'
import { MessageTooLargeError } from '../errors/message-too-large-error.js'
import { processMemoryBudget } from '../limits/memory-budget.js'
import { ArqDecodeError } from './arq-decode-error.js'
import { ackSize, ArqScan, pushSize, uintSize } from './codec.js'
import { ArqDefaults, MAX_FRAGMENTS, MAX_SN_BYTES, SegTag } from './constants.js'
import { type ArqEngineOptions, type ArqStats, int, newArqStats, num, typeName } from './engine-options.js'
import { ARQ_SEGMENT_OVERHEAD, ARQ_VIEW_OVERHEAD, ArqMemory, arqMaxReassembly, slowPeerError, tooLargeError } from './limits.js'
import { OutSegment } from './segment.js'

export type { ArqEngineOptions, ArqStats } from './engine-options.js'

const EMPTY: readonly Uint8Array[] = Object.freeze([]) as readonly Uint8Array[]

const ASK_SEND = 1
const ASK_TELL = 2

/** Why a segment is marked for retransmission (for the stats). */
const Why = { Timeout: 0, Fast: 1, Early: 2 } as const
type Why = (typeof Why)[keyof typeof Why]

/**
 * The reliable datagram engine of PROTOCOL.md 9 (KCP-style ARQ): pure logic, no sockets and no
 * timers of its own. The host feeds it decrypted ARQ payloads, flushes it once at the end of each
 * event-loop turn and arms one timer from `nextTimerAt()`. See `./index.ts` for the contract.
 *
 * @example
 * const arq = new ArqEngine({ now: () => performance.now(), output: (p) => sendArqFrame(p), mtu: 1200 })
 * arq.send(message); arq.flush()
 * for (const m of arq.input(payload)) handle(m)
 */
export class ArqEngine {
  /** Counters; read freely, never write. */
  readonly stats: ArqStats = newArqStats()
  /** Largest message `send` accepts: 255 fragments of `mss` bytes. */
  readonly maxMessageSize: number
  /** Data bytes per fragment. */
  readonly mss: number
  readonly mtu: number

  private readonly now: () => number
  private readonly output: (packet: Uint8Array) => void
  private readonly onDead: ((reason: string, error?: KiloError) => void) | undefined
  private readonly sndWnd: number
  private readonly rcvWnd: number
  private readonly interval: number
  private readonly minRto: number
  private readonly maxRto: number
  private readonly fastResend: number
  private readonly fastLimit: number
  private readonly earlyRetransmit: boolean
  private deadLinkMs: number
  private readonly redundancy: number
  private readonly redundancyGap: number
  private readonly deadLinkTransmissions: number
  /** Zero-window deadline; null: follows `deadLinkMs`. */
  private zeroWindowMs: number | null
  private readonly maxBuffered: number
  /** Largest message reassembled (the receive-side limit). */
  private readonly maxMessage: number
  private readonly mem: ArqMemory

  // ---- send side
  private readonly sndRing: (OutSegment | undefined)[]
  private readonly sndMask: number
  /** Lowest sequence number in flight and not ACKed (== sndNxt when nothing is in flight). */
  private sndUna = 0
  private sndNxt = 0
  private sndQueue: OutSegment[] = []
  private sndQHead = 0
  private readonly resendList: OutSegment[] = []
  private readonly resendWhy: number[] = []
  private resendCount = 0
  /** The peer's cumulative ACK and free window, from the latest payload it sent. */
  private rmtUna = 0
  private rmtWnd: number
  /** Clock time since which queued data waits for the peer's window, or -1. */
  private blockedSince = -1

  // ---- receive side
  private readonly rcvData: (Uint8Array | undefined)[]
  private readonly rcvFrg: Uint8Array
  /** Bytes charged for each held slot of `rcvData`. */
  private readonly rcvCost: Uint32Array
  private readonly rcvMask: number
  private rcvNxt = 0
  private readonly asmParts: Uint8Array[] = []
  private asmBytes = 0
  private asmCost = 0
  /** `frg` the next in-order fragment must carry, or -1 between messages. */
  private asmNext = -1
  private paused = false
  private held: Uint8Array[] = []
  private heldCount = 0
  private heldCost = 0
  private advertisedZero = false
  private readonly ackSn: number[] = []
  private readonly ackTs: number[] = []
  private ackCount = 0
  private probe = 0
  private probeAt = 0
  private probeWait = 0

  // ---- round-trip estimation (RFC 6298 as in KCP)
  private srttMs = 0
  private rttvarMs = 0
  private rxRto: number

  // ---- scratch
  private readonly scan = new ArqScan()
  private readonly newSn: number[] = []
  private readonly newTs: number[] = []
  private readonly out: BipackWriter
  private outSegs = 0
  /** Regular PUSH transmissions in the payload being built. */
  private outPushes = 0
  /** Clock time and u32 ts of the flush in progress. */
  private flushAt = 0
  private flushTs = 0

  private deadReason: string | null = null

  constructor(options: ArqEngineOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object')
    if (typeof options.now !== 'function') throw new TypeError('"now" expected a function')
    if (typeof options.output !== 'function') throw new TypeError('"output" expected a function')
    if (options.onDead !== undefined && typeof options.onDead !== 'function') throw new TypeError('"onDead" expected a function')
    const budget = options.memoryBudget ?? processMemoryBudget()
    if (typeof budget?.take !== 'function' || typeof budget.give !== 'function') throw new TypeError('"memoryBudget" expected a MemoryBudget')
    this.now = options.now
    this.output = options.output
    this.onDead = options.onDead
    this.mtu = int('mtu', options.mtu, 64, 16 * 1024 * 1024)
    this.sndWnd = int('sndWnd', options.sndWnd ?? ArqDefaults.sndWnd, 1, 65536)
    this.rcvWnd = int('rcvWnd', options.rcvWnd ?? ArqDefaults.rcvWnd, 1, 65536)
    this.interval = num('interval', options.interval ?? ArqDefaults.interval, 0, 10_000)
    this.minRto = num('minRto', options.minRto ?? ArqDefaults.minRto, 1, 60_000)
    this.maxRto = num('maxRto', options.maxRto ?? ArqDefaults.maxRto, this.minRto, 3_600_000)
    this.rxRto = num('initialRto', options.initialRto ?? ArqDefaults.initialRto, this.minRto, this.maxRto)
    this.fastResend = int('fastResend', options.fastResend ?? ArqDefaults.fastResend, 0, 1000)
    this.fastLimit = int('fastLimit', options.fastLimit ?? ArqDefaults.fastLimit, 0, 1000)
    this.earlyRetransmit = options.earlyRetransmit ?? true
    this.deadLinkMs = num('deadLinkMs', options.deadLinkMs ?? ArqDefaults.deadLinkMs, 0, Number.MAX_SAFE_INTEGER)
    this.deadLinkTransmissions = int('deadLinkTransmissions', options.deadLinkTransmissions ?? ArqDefaults.deadLinkTransmissions, 1, 1000)
    this.redundancy = int('redundancy', options.redundancy ?? ArqDefaults.redundancy, 0, 100)
    this.redundancyGap = num('redundancyGap', options.redundancyGap ?? ArqDefaults.redundancyGap, 0, 60_000)
    this.zeroWindowMs = options.zeroWindowMs === undefined ? null : num('zeroWindowMs', options.zeroWindowMs, 0, Number.MAX_SAFE_INTEGER)
    this.mss = arqMss(this.mtu, this.rcvWnd)
    this.maxMessageSize = this.mss * MAX_FRAGMENTS
    const oneMessage = this.maxMessageSize + MAX_FRAGMENTS * ARQ_SEGMENT_OVERHEAD
    this.maxBuffered =
      options.maxBuffered === undefined
        ? Math.max(ArqDefaults.maxBuffered, oneMessage)
        : int('maxBuffered', options.maxBuffered, oneMessage, Number.MAX_SAFE_INTEGER)
    const reassembly = arqMaxReassembly(this.mtu)
    this.maxMessage = options.maxMessage === undefined ? reassembly : Math.min(int('maxMessage', options.maxMessage, 1, Number.MAX_SAFE_INTEGER), reassembly)
    this.mem = new ArqMemory(budget, int('budgetAllowance', options.budgetAllowance ?? ArqDefaults.budgetAllowance, 0, Number.MAX_SAFE_INTEGER))
    this.rmtWnd = this.rcvWnd // assume the peer runs our defaults until it says otherwise
    const sndCap = pow2(this.sndWnd)
    this.sndRing = new Array(sndCap).fill(undefined)
    this.sndMask = sndCap - 1
    const rcvCap = pow2(this.rcvWnd)
    this.rcvData = new Array(rcvCap).fill(undefined)
    this.rcvFrg = new Uint8Array(rcvCap)
    this.rcvCost = new Uint32Array(rcvCap)
    this.rcvMask = rcvCap - 1
    this.out = new BipackWriter(this.mtu + 32)
  }

  // ------------------------------------------------------------------ public API

  /**
   * Queues one whole message (the plaintext of PROTOCOL.md 6), cut into fragments of `mss`
   * bytes, each copied on its own (an ACKed fragment frees its bytes). Nothing is sent before
   * `flush()`. Throws `MessageTooLargeError` above `maxMessageSize` (more than 255 fragments)
   * and `ConnectionClosedError` once the link is dead. Beyond `maxBuffered`, or when the memory
   * budget refuses, the message is dropped and the link ends (`onDead` with the error).
   */
  send(message: Uint8Array): void {
    if (!(message instanceof Uint8Array)) throw new TypeError(`"message" expected Uint8Array, got ${typeName(message)}`)
    if (this.deadReason !== null) throw new ConnectionClosedError(`dead link: ${this.deadReason}`)
    const n = message.length
    const mss = this.mss
    if (n > this.maxMessageSize) throw new MessageTooLargeError(n, this.maxMessageSize)
    const count = n <= mss ? 1 : Math.ceil(n / mss)
    const cost = n + count * ARQ_SEGMENT_OVERHEAD
    if (this.mem.sending + cost > this.maxBuffered) return this.die(null, slowPeerError(this.mem.sending, cost, this.maxBuffered))
    if (!this.mem.take(cost, true)) return this.die(null, this.mem.refused(cost, 'to send'))
    const q = this.sndQueue
    if (count === 1) q.push(new OutSegment(0, message.slice()))
    else for (let i = 0; i < count; i++) q.push(new OutSegment(count - 1 - i, message.slice(i * mss, Math.min(n, (i + 1) * mss))))
    this.stats.messagesSent++
  }

  /**
   * Takes one decrypted ARQ payload. Returns the whole messages that became deliverable, in
   * order (views into `packet` or fresh arrays; `packet` must not be modified afterwards).
   * Throws `ArqDecodeError` for a malformed payload, having applied none of it. ACKs and window
   * answers wait for the next `flush()`.
   */
  input(packet: Uint8Array): readonly Uint8Array[] {
    if (!(packet instanceof Uint8Array)) throw new TypeError(`"packet" expected Uint8Array, got ${typeName(packet)}`)
    if (this.deadReason !== null) return EMPTY
    const s = this.scan
    try {
      // A payload longer than our own is refused whole: no PUSH is then longer than
      // arqMaxSegmentData(mtu), and a held view never keeps more than `mtu` bytes alive.
      if (packet.length > this.mtu) throw new ArqDecodeError(`payload of ${packet.length} bytes exceeds the mtu of ${this.mtu}`)
      s.scan(packet)
      if (s.una > this.sndNxt) throw new ArqDecodeError(`una ${s.una} is beyond the next sequence number ${this.sndNxt}`)
      for (let i = 0; i < s.count; i++) {
        if (s.tag[i] === SegTag.Ack && s.sn[i]! >= this.sndNxt) throw new ArqDecodeError(`ACK of sequence number ${s.sn[i]} which was never sent`)
      }
    } catch (e) {
      this.stats.malformed++
      throw e
    }
    const stats = this.stats
    stats.packetsReceived++
    const now = this.now()
    const ts32 = Math.floor(now) >>> 0
    const ring = this.sndRing
    const mask = this.sndMask

    // Selective ACKs first (before `una` removes the same segments), so each ACK of a segment
    // still in flight gives its round-trip sample and counts for fast retransmit.
    let nNew = 0
    let maxAck = -1
    for (let i = 0; i < s.count; i++) {
      if (s.tag[i] !== SegTag.Ack) continue
      stats.acksReceived++
      const sn = s.sn[i]!
      if (sn < this.sndUna) continue
      const seg = ring[sn & mask]
      if (seg === undefined || seg.sn !== sn) continue
      // One sample per segment, from the first ACK to arrive: ACKs of redundant copies are
      // correlated with it and would shrink rttvar (and cause spurious timeouts).
      const ts = s.ts[i]!
      const rtt = (ts32 - ts) | 0
      if (rtt >= 0) this.updateRtt(rtt)
      ring[sn & mask] = undefined
      this.mem.give(seg.data.length + ARQ_SEGMENT_OVERHEAD, true)
      this.newSn[nNew] = sn
      this.newTs[nNew] = ts
      nNew++
      if (sn > maxAck) maxAck = sn
    }

    // Header: the peer's window and cumulative ACK.
    this.rmtWnd = s.wnd
    if (s.una > this.rmtUna) this.rmtUna = s.una
    if (s.una > this.sndUna) {
      for (let sn = this.sndUna; sn < s.una; sn++) {
        const seg = ring[sn & mask]
        if (seg === undefined) continue
        ring[sn & mask] = undefined
        this.mem.give(seg.data.length + ARQ_SEGMENT_OVERHEAD, true)
      }
      this.sndUna = s.una
    }

    const rcvWnd = this.rcvWnd
    for (let i = 0; i < s.count; i++) {
      const tag = s.tag[i]!
      if (tag === SegTag.Push) {
        const sn = s.sn[i]!
        const rcvNxt = this.rcvNxt
        if (sn < rcvNxt + rcvWnd) {
          const k = this.ackCount++
          this.ackSn[k] = sn
          this.ackTs[k] = s.ts[i]!
          const idx = sn & this.rcvMask
          if (sn >= rcvNxt && this.rcvData[idx] === undefined) {
            // the view keeps the whole payload alive: that is what it costs
            const cost = packet.length + ARQ_VIEW_OVERHEAD
            if (!this.mem.take(cost, false)) {
              this.die(null, this.mem.refused(cost, 'to receive'))
              return EMPTY
            }
            const start = s.start[i]!
            this.rcvData[idx] = packet.subarray(start, start + s.len[i]!)
            this.rcvFrg[idx] = s.frg[i]!
            this.rcvCost[idx] = cost
          } else {
            stats.duplicates++
          }
        } else {
          stats.outOfWindow++
        }
      } else if (tag === SegTag.Wask) {
        this.probe |= ASK_TELL
      }
    }
    this.shrink()
    if (nNew > 0 && this.fastResend > 0 && maxAck > this.sndUna) this.countFastAcks(nNew, maxAck, now)
    if (this.sndNxt < this.rmtUna + this.rmtWnd) {
      this.probeAt = 0
      this.probeWait = 0
      this.blockedSince = -1
    }
    return this.deliver(null)
  }

  /**
   * Sends what is due: pending ACKs, window probe/tell, marked retransmissions and new PUSHes
   * within the windows, packed into as few payloads of at most `mtu` bytes as fit. Call once at
   * the end of every turn in which `send`, `input` or `resume` was called.
   */
  flush(): void {
    if (this.deadReason !== null) return
    const queued = this.sndQueue.length - this.sndQHead
    if (this.ackCount === 0 && this.probe === 0 && this.resendCount === 0 && queued === 0) return
    const now = this.now()
    const ts32 = Math.floor(now) >>> 0
    this.flushAt = now
    this.flushTs = ts32
    const w = this.out
    const mtu = this.mtu
    const stats = this.stats
    this.begin()

    for (let i = 0; i < this.ackCount; i++) {
      const sn = this.ackSn[i]!
      if (this.outSegs > 0 && w.length + ackSize(sn) > mtu) this.emit()
      w.u8(SegTag.Ack).unsigned(sn).u32(this.ackTs[i]!)
      this.outSegs++
    }
    stats.acksSent += this.ackCount
    this.ackCount = 0

    if (this.probe !== 0) {
      if (this.probe & ASK_SEND) {
        if (this.outSegs > 0 && w.length + 1 > mtu) this.emit()
        w.u8(SegTag.Wask)
        this.outSegs++
        stats.probesSent++
      }
      if (this.probe & ASK_TELL) {
        if (this.outSegs > 0 && w.length + 1 > mtu) this.emit()
        w.u8(SegTag.Wins)
        this.outSegs++
        stats.windowTells++
      }
      this.probe = 0
    }

    const ring = this.sndRing
    const mask = this.sndMask
    for (let i = 0; i < this.resendCount; i++) {
      const seg = this.resendList[i]!
      this.resendList[i] = undefined as unknown as OutSegment
      seg.resend = false
      if (ring[seg.sn & mask] !== seg) continue // ACKed meanwhile
      const why = this.resendWhy[i]
      if (why === Why.Timeout) stats.retransmits++
      else if (why === Why.Fast) stats.fastRetransmits++
      else stats.earlyRetransmits++
      this.transmit(seg, now, ts32)
    }
    this.resendCount = 0

    if (queued > 0) {
      const q = this.sndQueue
      let limit = this.sndUna + this.sndWnd
      const rmtLimit = this.rmtUna + this.rmtWnd
      if (rmtLimit < limit) limit = rmtLimit
      while (this.sndQHead < q.length && this.sndNxt < limit) {
        const seg = q[this.sndQHead]!
        q[this.sndQHead++] = undefined as unknown as OutSegment
        const sn = this.sndNxt++
        seg.sn = sn
        seg.rto = this.rxRto
        seg.firstAt = now
        ring[sn & mask] = seg
        this.transmit(seg, now, ts32)
      }
      if (this.sndQHead === q.length) {
        q.length = 0
        this.sndQHead = 0
      } else if (this.sndQHead > 1024 && this.sndQHead * 2 > q.length) {
        this.sndQueue = q.slice(this.sndQHead)
        this.sndQHead = 0
      }
      // Window closed with nothing in flight whose ACK would reopen it: probe (persist timer).
      if (this.sndQHead < this.sndQueue.length && this.sndUna === this.sndNxt && this.probeAt === 0) {
        this.probeWait = Math.max(this.rxRto, ArqDefaults.probeMinMs)
        this.probeAt = now + this.probeWait
      }
      // Data waits for the peer's window: the zero-window deadline runs until it reopens.
      if (this.sndQHead === this.sndQueue.length || this.sndNxt < rmtLimit) this.blockedSince = -1
      else if (this.blockedSince < 0) this.blockedSince = now
    }
    this.emit()
  }

  /**
   * Runs the timers that are due: retransmission timeouts (each multiplies that segment's rto
   * by 1.5), window probes and dead-link checks; then flushes. Harmless when called early.
   */
  onTimer(): void {
    if (this.deadReason !== null) return
    const now = this.now()
    const ring = this.sndRing
    const mask = this.sndMask
    if (this.sndUna < this.sndNxt && this.deadLinkMs > 0) {
      const oldest = ring[this.sndUna & mask]!
      if (now - oldest.firstAt >= this.deadLinkMs) {
        this.die(`segment ${oldest.sn} unacknowledged for ${Math.round(now - oldest.firstAt)} ms`)
        return
      }
    }
    const zeroWindowAt = this.zeroWindowDeadline()
    if (now >= zeroWindowAt) {
      this.die(`peer window closed for ${Math.round(now - this.blockedSince)} ms with ${this.mem.sending} bytes waiting to be sent`)
      return
    }
    for (let sn = this.sndUna; sn < this.sndNxt; sn++) {
      const seg = ring[sn & mask]
      if (seg === undefined || seg.resend || seg.resendAt > now) continue
      if (seg.xmit >= this.deadLinkTransmissions) {
        this.die(`segment ${sn} sent ${seg.xmit} times without an acknowledgement`)
        return
      }
      seg.rto = Math.min(seg.rto * 1.5, this.maxRto)
      this.markResend(seg, Why.Timeout)
    }
    if (this.probeAt > 0 && now >= this.probeAt) {
      this.probe |= ASK_SEND
      this.probeWait = Math.min(this.probeWait * 1.5, ArqDefaults.probeMaxMs)
      this.probeAt = now + this.probeWait
    }
    this.flush()
  }

  /** When the host should call `onTimer()` next (clock time), or null when nothing is pending. */
  nextTimerAt(): number | null {
    if (this.deadReason !== null) return null
    let t = Number.POSITIVE_INFINITY
    const ring = this.sndRing
    const mask = this.sndMask
    for (let sn = this.sndUna; sn < this.sndNxt; sn++) {
      const seg = ring[sn & mask]
      if (seg !== undefined && seg.resendAt < t) t = seg.resendAt
    }
    if (this.deadLinkMs > 0 && this.sndUna < this.sndNxt) {
      const d = ring[this.sndUna & this.sndMask]!.firstAt + this.deadLinkMs
      if (d < t) t = d
    }
    if (this.probeAt > 0 && this.probeAt < t) t = this.probeAt
    const z = this.zeroWindowDeadline()
    if (z < t) t = z
    return t === Number.POSITIVE_INFINITY ? null : t
  }

  /**
   * Stops delivering: complete messages are held (up to the receive window, which the peer then
   * sees shrink to 0 and probes) until `resume()`. For a host whose application reads slowly.
   */
  pause(): void {
    this.paused = true
  }

  /** Delivers what `pause()` held back, and tells the peer its window reopened; then flush. */
  resume(): readonly Uint8Array[] {
    this.paused = false
    if (this.deadReason !== null) return EMPTY
    let result: Uint8Array[] | null = null
    if (this.heldCount > 0) {
      result = this.held
      this.stats.delivered += result.length
      this.held = []
      this.heldCount = 0
      this.mem.give(this.heldCost, false)
      this.heldCost = 0
    }
    if (this.advertisedZero) {
      this.probe |= ASK_TELL
      this.advertisedZero = false
    }
    return this.deliver(result)
  }

  /**
   * Changes the dead-link time (the client learns the session's idle timeout from READY), and
   * the zero-window deadline with it unless `zeroWindowMs` was given.
   */
  setDeadLinkMs(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`"ms" expected a finite number >= 0, got ${ms}`)
    this.deadLinkMs = ms
  }

  /**
   * Ends the engine without calling `onDead` (the host closes the session): drops what it holds
   * and gives the bytes back to the memory budget. Idempotent.
   */
  close(): void {
    if (this.deadReason === null) this.end('closed')
  }

  /** The reason the link ended (`'closed'` after `close()`), or null while it is alive. */
  get dead(): string | null {
    return this.deadReason
  }

  /** Bytes held for sending (queue and in flight, each segment with its overhead), as bounded by `maxBuffered`. */
  get bufferedBytes(): number {
    return this.mem.sending
  }

  /** Bytes held on the receive side: out-of-order segments, the message being reassembled, paused messages. */
  get receiveBytes(): number {
    return this.mem.receiving
  }

  /** Smoothed round-trip time in ms (0 before the first sample). */
  get srtt(): number {
    return this.srttMs
  }

  /** Current retransmission timeout for new segments, in ms. */
  get rto(): number {
    return this.rxRto
  }

  /** Segments queued and not yet sent (waiting for the window). */
  get queued(): number {
    return this.sndQueue.length - this.sndQHead
  }

  /** Segments sent and not yet acknowledged. */
  get inFlight(): number {
    let n = 0
    for (let sn = this.sndUna; sn < this.sndNxt; sn++) if (this.sndRing[sn & this.sndMask] !== undefined) n++
    return n
  }

  /** True when nothing is queued, in flight, or waiting to be ACKed. */
  get idle(): boolean {
    return this.sndQHead === this.sndQueue.length && this.sndUna === this.sndNxt && this.ackCount === 0
  }

  // ------------------------------------------------------------------ internals

  /** RFC 6298 / KCP `ikcp_update_ack`. */
  private updateRtt(rtt: number): void {
    if (this.srttMs === 0) {
      this.srttMs = rtt > 0 ? rtt : 1
      this.rttvarMs = rtt / 2
    } else {
      const delta = rtt > this.srttMs ? rtt - this.srttMs : this.srttMs - rtt
      this.rttvarMs = (3 * this.rttvarMs + delta) / 4
      this.srttMs = (7 * this.srttMs + rtt) / 8
      if (this.srttMs < 1) this.srttMs = 1
    }
    const rto = this.srttMs + Math.max(this.interval, 4 * this.rttvarMs)
    this.rxRto = Math.min(Math.max(rto, this.minRto), this.maxRto)
  }

  /** Advances `sndUna` past ACKed slots. */
  private shrink(): void {
    const ring = this.sndRing
    const mask = this.sndMask
    let una = this.sndUna
    while (una < this.sndNxt && ring[una & mask] === undefined) una++
    this.sndUna = una
  }

  /**
   * Counts, for each segment below the highest newly ACKed one, the later segments ACKed by this
   * payload that were sent after it (KCP's conservative fastack), and marks fast or early
   * retransmissions.
   */
  private countFastAcks(nNew: number, maxAck: number, now: number): void {
    const ring = this.sndRing
    const mask = this.sndMask
    const early = this.earlyRetransmit && this.sndQHead === this.sndQueue.length
    for (let sn = this.sndUna; sn < maxAck; sn++) {
      const seg = ring[sn & mask]
      if (seg === undefined) continue
      for (let j = 0; j < nNew; j++) {
        if (this.newSn[j]! > sn && ((this.newTs[j]! - seg.ts) | 0) >= 0) seg.fastack++
      }
      if (seg.resend) continue
      let threshold = this.fastResend
      let why: Why = Why.Fast
      if (early) {
        const later = this.sndNxt - 1 - sn
        if (later < threshold) {
          threshold = later
          why = Why.Early
        }
      }
      if (seg.fastack >= threshold && seg.sends <= this.fastLimit && now - seg.fastAt >= seg.rto) {
        seg.fastAt = now
        this.markResend(seg, why)
      }
    }
  }

  private markResend(seg: OutSegment, why: Why): void {
    seg.resend = true
    const k = this.resendCount++
    this.resendList[k] = seg
    this.resendWhy[k] = why
  }

  /**
   * Moves in-order fragments into messages; completes `result` (allocated on demand). A fragment
   * that would take the message past `maxMessage` ends the link before it joins the message.
   */
  private deliver(result: Uint8Array[] | null): readonly Uint8Array[] {
    const data = this.rcvData
    const mask = this.rcvMask
    for (;;) {
      if (this.paused && this.heldCount >= this.rcvWnd) break
      const idx = this.rcvNxt & mask
      const d = data[idx]
      if (d === undefined) break
      const frg = this.rcvFrg[idx]!
      let cost = this.rcvCost[idx]!
      data[idx] = undefined
      this.rcvNxt++
      if (this.asmNext !== -1 && frg !== this.asmNext) {
        // The peer broke fragment order: drop the partial message, start over with this one.
        this.stats.badFragments++
        this.asmParts.length = 0
        this.asmBytes = 0
        this.asmNext = -1
        this.mem.give(this.asmCost, false)
        this.asmCost = 0
      }
      const size = this.asmBytes + d.length // asmBytes is 0 between messages
      if (size > this.maxMessage) {
        this.die(null, tooLargeError(size, this.maxMessage))
        return EMPTY
      }
      let message: Uint8Array | null = null
      let segs = 1
      if (this.asmNext === -1 && frg === 0) message = d
      else {
        this.asmParts.push(d)
        this.asmBytes = size
        this.asmCost += cost
        this.asmNext = frg - 1
        if (frg === 0) {
          const parts = this.asmParts
          segs = parts.length
          message = new Uint8Array(size)
          let o = 0
          for (const p of parts) {
            message.set(p, o)
            o += p.length
          }
          parts.length = 0
          this.asmBytes = 0
          cost = this.asmCost
          this.asmCost = 0
        }
      }
      if (message === null) continue
      if (this.paused) {
        this.held.push(message)
        this.heldCount += segs
        this.heldCost += cost
      } else {
        this.mem.give(cost, false)
        if (result === null) result = []
        result.push(message)
        this.stats.delivered++
      }
    }
    return result ?? EMPTY
  }

  /** Free receive window announced to the peer. */
  private freeWnd(): number {
    return Math.max(this.rcvWnd - this.heldCount, 0)
  }

  /** Starts a payload: the header `smartint(una) ‖ smartint(wnd)`. */
  private begin(): void {
    const w = this.out
    w.reset()
    const wnd = this.freeWnd()
    if (wnd === 0) this.advertisedZero = true
    w.unsigned(this.rcvNxt).unsigned(wnd)
    this.outSegs = 0
    this.outPushes = 0
  }

  /** Hands the payload being built to `output` (if it holds a segment) and starts the next. */
  private emit(): void {
    if (this.outSegs === 0) return
    if (this.outPushes > 0 && this.redundancy > 0) this.addCopies()
    const view = this.out.view()
    this.stats.packetsSent++
    this.stats.bytesSent += view.length
    this.output(view)
    this.begin()
  }

  /** Fills the spare room of the payload being built with copies of in-flight segments. */
  private addCopies(): void {
    const w = this.out
    let room = this.mtu - w.length
    if (room < 8) return
    const now = this.flushAt
    const ring = this.sndRing
    const mask = this.sndMask
    for (let sn = this.sndUna; sn < this.sndNxt && room >= 8; sn++) {
      const seg = ring[sn & mask]
      if (seg === undefined || seg.copies >= this.redundancy || now - seg.lastAt < this.redundancyGap) continue
      const size = pushSize(sn, seg.data.length)
      if (size > room) continue
      w.u8(SegTag.Push).unsigned(sn).u32(this.flushTs).u8(seg.frg).bytes(seg.data)
      room -= size
      this.outSegs++
      seg.copies++
      seg.xmit++
      seg.lastAt = now
      this.stats.copiesSent++
    }
  }

  private transmit(seg: OutSegment, now: number, ts32: number): void {
    const w = this.out
    if (this.outSegs > 0 && w.length + pushSize(seg.sn, seg.data.length) > this.mtu) this.emit()
    w.u8(SegTag.Push).unsigned(seg.sn).u32(ts32).u8(seg.frg).bytes(seg.data)
    this.outSegs++
    this.outPushes++
    seg.xmit++
    seg.sends++
    seg.copies = 0
    seg.ts = ts32
    seg.lastAt = now
    seg.resendAt = now + seg.rto
    seg.fastack = 0
    this.stats.segmentsSent++
  }

  /** Time the zero-window deadline passes, or +Infinity when it does not run. */
  private zeroWindowDeadline(): number {
    const ms = this.zeroWindowMs ?? this.deadLinkMs
    return this.blockedSince >= 0 && ms > 0 ? this.blockedSince + ms : Number.POSITIVE_INFINITY
  }

  /** Ends the link and tells the host: a dead link (`reason`), or a limit (`error`). */
  private die(reason: string | null, error?: KiloError): void {
    const why = reason ?? error!.message
    this.end(why)
    this.onDead?.(why, error)
  }

  /** Drops everything the engine holds and gives its bytes back. */
  private end(reason: string): void {
    this.deadReason = reason
    this.sndQueue = []
    this.sndQHead = 0
    this.sndRing.fill(undefined)
    this.rcvData.fill(undefined)
    this.rcvCost.fill(0)
    this.asmParts.length = 0
    this.asmBytes = this.asmCost = this.heldCost = this.heldCount = 0
    this.held = []
    this.resendCount = 0
    this.blockedSince = -1
    this.probeAt = 0
    this.mem.release()
  }
}

/**
 * Data bytes per fragment for payloads of at most `mtu` bytes: what is left after the header and
 * one PUSH segment header, with sequence numbers at their largest (2^53-1).
 */
export function arqMss(mtu: number, rcvWnd: number = ArqDefaults.rcvWnd): number {
  const overhead = MAX_SN_BYTES + uintSize(rcvWnd) + 1 + MAX_SN_BYTES + 4 + 1 + uintSize(mtu)
  const mss = mtu - overhead
  if (!(mss >= 1)) throw new RangeError(`"mtu" of ${mtu} leaves no room for data`)
  return mss
}

/**
 * Largest message an engine with this `mtu` accepts (255 fragments). The host refuses larger
 * messages with `MessageTooLargeError` before calling `send`.
 *
 * @example arqMaxMessageSize(1200) // 299 370
 */
export function arqMaxMessageSize(mtu: number, rcvWnd: number = ArqDefaults.rcvWnd): number {
  return arqMss(mtu, rcvWnd) * MAX_FRAGMENTS
}

function pow2(n: number): number {
  let c = 1
  while (c < n) c *= 2
  return c
}
