import { BipackWriter } from '@kp/bipack'
import { ConnectionClosedError } from '../errors/connection-closed-error.js'
import { MessageTooLargeError } from '../errors/message-too-large-error.js'
import { ArqDecodeError } from './arq-decode-error.js'
import { ackSize, ArqScan, pushSize, uintSize } from './codec.js'
import { ArqDefaults, MAX_FRAGMENTS, MAX_SN_BYTES, SegTag } from './constants.js'
import { OutSegment } from './segment.js'

/** Options of {@link ArqEngine}. Times are milliseconds of the `now` clock. */
export interface ArqEngineOptions {
  /** The clock, in milliseconds (`performance.now`, `Date.now`, or a virtual clock). */
  now: () => number
  /**
   * Receives each outgoing ARQ payload, to be sealed into one ARQ frame. The array is a view
   * of the engine's buffer, valid only during the call (sealing copies it). Must not call back
   * into the engine.
   */
  output: (packet: Uint8Array) => void
  /** Most bytes of one ARQ payload (before sealing); at least 64. */
  mtu: number
  /** Send window in segments (default 128). */
  sndWnd?: number
  /** Receive window in segments (default 128). */
  rcvWnd?: number
  /** Timer granularity: the floor of `rto - srtt` (default 10). */
  interval?: number
  /** Lower clamp of the retransmission timeout (default 30). */
  minRto?: number
  /** Upper clamp of the retransmission timeout (default 60 000). */
  maxRto?: number
  /** Retransmission timeout before the first round-trip sample (default 200). */
  initialRto?: number
  /** Later segments that must be ACKed before a fast retransmit (default 2; 0 disables). */
  fastResend?: number
  /** A segment is fast-retransmitted only while sent at most this many times (default 5). */
  fastLimit?: number
  /**
   * Early retransmit (RFC 5827 style, default true): when nothing new is queued and fewer than
   * `fastResend` later segments are in flight, as many ACKs as there are later segments suffice.
   */
  earlyRetransmit?: boolean
  /**
   * Redundant copies (default 2): a payload that is sent anyway and has room left carries
   * copies of in-flight unACKed segments, oldest first, each segment at most this many times per
   * regular transmission. Costs bytes, never packets; repairs a lost packet one packet later
   * instead of one round trip later. 0 disables.
   */
  redundancy?: number
  /** A segment is copied only if its last transmission is at least this old, ms (default 5). */
  redundancyGap?: number
  /** A segment unACKed this long since its first transmission ends the link (default 30 000; 0: never). */
  deadLinkMs?: number
  /** A segment sent this many times whose last copy also times out ends the link (default 20). */
  deadLinkTransmissions?: number
  /** Called once when the link is declared dead; the engine then does nothing more. */
  onDead?: (reason: string) => void
}

/** Counters of one engine; all monotonic. */
export interface ArqStats {
  /** Payloads handed to `output`. */
  packetsSent: number
  /** Bytes handed to `output`. */
  bytesSent: number
  /** Payloads accepted by `input`. */
  packetsReceived: number
  /** Payloads refused by `input` with `ArqDecodeError`. */
  malformed: number
  /** Messages queued by `send`. */
  messagesSent: number
  /** Messages returned by `input` or `resume`. */
  delivered: number
  /** PUSH transmissions, first copies and retransmissions. */
  segmentsSent: number
  /** Retransmissions after a timeout. */
  retransmits: number
  /** Fast retransmissions (`fastResend` later segments ACKed). */
  fastRetransmits: number
  /** Early retransmissions (fewer later segments than `fastResend`, nothing new queued). */
  earlyRetransmits: number
  /** Redundant copies of in-flight segments carried in spare room (see `redundancy`). */
  copiesSent: number
  /** ACK segments sent. */
  acksSent: number
  /** ACK segments received. */
  acksReceived: number
  /** PUSH segments received that were already received. */
  duplicates: number
  /** PUSH segments received beyond the receive window (dropped, not ACKed). */
  outOfWindow: number
  /** In-order fragments that did not continue the message being reassembled (dropped). */
  badFragments: number
  /** WASK probes sent. */
  probesSent: number
  /** WINS tells sent. */
  windowTells: number
}

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
  readonly stats: ArqStats = {
    packetsSent: 0,
    bytesSent: 0,
    packetsReceived: 0,
    malformed: 0,
    messagesSent: 0,
    delivered: 0,
    segmentsSent: 0,
    retransmits: 0,
    fastRetransmits: 0,
    earlyRetransmits: 0,
    copiesSent: 0,
    acksSent: 0,
    acksReceived: 0,
    duplicates: 0,
    outOfWindow: 0,
    badFragments: 0,
    probesSent: 0,
    windowTells: 0,
  }
  /** Largest message `send` accepts: 255 fragments of `mss` bytes. */
  readonly maxMessageSize: number
  /** Data bytes per fragment. */
  readonly mss: number
  readonly mtu: number

  private readonly now: () => number
  private readonly output: (packet: Uint8Array) => void
  private readonly onDead: ((reason: string) => void) | undefined
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

  // ---- receive side
  private readonly rcvData: (Uint8Array | undefined)[]
  private readonly rcvFrg: Uint8Array
  private readonly rcvMask: number
  private rcvNxt = 0
  private readonly asmParts: Uint8Array[] = []
  private asmBytes = 0
  /** `frg` the next in-order fragment must carry, or -1 between messages. */
  private asmNext = -1
  private paused = false
  private held: Uint8Array[] = []
  private heldCount = 0
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
    this.mss = arqMss(this.mtu, this.rcvWnd)
    this.maxMessageSize = this.mss * MAX_FRAGMENTS
    this.rmtWnd = this.rcvWnd // assume the peer runs our defaults until it says otherwise
    const sndCap = pow2(this.sndWnd)
    this.sndRing = new Array(sndCap).fill(undefined)
    this.sndMask = sndCap - 1
    const rcvCap = pow2(this.rcvWnd)
    this.rcvData = new Array(rcvCap).fill(undefined)
    this.rcvFrg = new Uint8Array(rcvCap)
    this.rcvMask = rcvCap - 1
    this.out = new BipackWriter(this.mtu + 32)
  }

  // ------------------------------------------------------------------ public API

  /**
   * Queues one whole message (the plaintext of PROTOCOL.md 6), cut into fragments of `mss`
   * bytes. The bytes are copied. Nothing is sent before `flush()`.
   * Throws `MessageTooLargeError` above `maxMessageSize` (more than 255 fragments) and
   * `ConnectionClosedError` once the link is dead.
   */
  send(message: Uint8Array): void {
    if (!(message instanceof Uint8Array)) throw new TypeError(`"message" expected Uint8Array, got ${typeName(message)}`)
    if (this.deadReason !== null) throw new ConnectionClosedError(`dead link: ${this.deadReason}`)
    const n = message.length
    const mss = this.mss
    if (n > this.maxMessageSize) throw new MessageTooLargeError(n, this.maxMessageSize)
    const count = n <= mss ? 1 : Math.ceil(n / mss)
    const copy = message.slice()
    const q = this.sndQueue
    if (count === 1) q.push(new OutSegment(0, copy))
    else for (let i = 0; i < count; i++) q.push(new OutSegment(count - 1 - i, copy.subarray(i * mss, Math.min(n, (i + 1) * mss))))
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
      s.scan(packet)
      if (s.una > this.sndNxt) throw new ArqDecodeError(`una ${s.una} is beyond the next sequence number ${this.sndNxt}`)
      for (let i = 0; i < s.count; i++) {
        if (s.tag[i] === SegTag.Ack && s.sn[i]! >= this.sndNxt)
          throw new ArqDecodeError(`ACK of sequence number ${s.sn[i]} which was never sent`)
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
      this.newSn[nNew] = sn
      this.newTs[nNew] = ts
      nNew++
      if (sn > maxAck) maxAck = sn
    }

    // Header: the peer's window and cumulative ACK.
    this.rmtWnd = s.wnd
    if (s.una > this.rmtUna) this.rmtUna = s.una
    if (s.una > this.sndUna) {
      for (let sn = this.sndUna; sn < s.una; sn++) ring[sn & mask] = undefined
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
            const start = s.start[i]!
            this.rcvData[idx] = packet.subarray(start, start + s.len[i]!)
            this.rcvFrg[idx] = s.frg[i]!
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
    }
    if (this.advertisedZero) {
      this.probe |= ASK_TELL
      this.advertisedZero = false
    }
    return this.deliver(result)
  }

  /** The reason the link was declared dead, or null while it is alive. */
  /** Changes the dead-link time (the client learns the session's idle timeout from READY). */
  setDeadLinkMs(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`"ms" expected a finite number >= 0, got ${ms}`)
    this.deadLinkMs = ms
  }

  get dead(): string | null {
    return this.deadReason
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

  /** Moves in-order fragments into messages; completes `result` (allocated on demand). */
  private deliver(result: Uint8Array[] | null): readonly Uint8Array[] {
    const data = this.rcvData
    const mask = this.rcvMask
    for (;;) {
      if (this.paused && this.heldCount >= this.rcvWnd) break
      const idx = this.rcvNxt & mask
      const d = data[idx]
      if (d === undefined) break
      const frg = this.rcvFrg[idx]!
      data[idx] = undefined
      this.rcvNxt++
      let message: Uint8Array | null = null
      let segs = 1
      if (this.asmNext !== -1 && frg !== this.asmNext) {
        // The peer broke fragment order: drop the partial message, start over with this one.
        this.stats.badFragments++
        this.asmParts.length = 0
        this.asmBytes = 0
        this.asmNext = -1
      }
      if (this.asmNext === -1) {
        if (frg === 0) message = d
        else {
          this.asmParts.push(d)
          this.asmBytes = d.length
          this.asmNext = frg - 1
        }
      } else {
        this.asmParts.push(d)
        this.asmBytes += d.length
        this.asmNext = frg - 1
        if (frg === 0) {
          const parts = this.asmParts
          segs = parts.length
          message = new Uint8Array(this.asmBytes)
          let o = 0
          for (const p of parts) {
            message.set(p, o)
            o += p.length
          }
          parts.length = 0
          this.asmBytes = 0
        }
      }
      if (message === null) continue
      if (this.paused) {
        this.held.push(message)
        this.heldCount += segs
      } else {
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

  private die(reason: string): void {
    this.deadReason = reason
    this.sndQueue = []
    this.sndQHead = 0
    this.sndRing.fill(undefined)
    this.rcvData.fill(undefined)
    this.held = []
    this.resendCount = 0
    this.onDead?.(reason)
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

function typeName(v: unknown): string {
  return v === null ? 'null' : typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v
}

function int(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number') throw new TypeError(`"${name}" expected integer, got ${typeName(v)}`)
  if (!(Number.isSafeInteger(v) && v >= min && v <= max)) throw new RangeError(`"${name}" expected integer ${min}..${max}, got ${v}`)
  return v
}

function num(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number') throw new TypeError(`"${name}" expected number, got ${typeName(v)}`)
  if (!(v >= min && v <= max)) throw new RangeError(`"${name}" expected number ${min}..${max}, got ${v}`)
  return v
}
