import type { KiloError } from '../errors/kilo-error.js'
import type { MemoryBudget } from '../limits/memory-budget.js'

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
  /**
   * How long the peer's window may stay closed (persist probes unanswered or answered with 0)
   * while data waits to be sent, before the link is declared dead (default: `deadLinkMs`, and
   * it follows `setDeadLinkMs`; 0: never).
   */
  zeroWindowMs?: number
  /**
   * Most bytes held for sending, the queue and the segments in flight together, each segment
   * counted as its data plus `ARQ_SEGMENT_OVERHEAD` (384) bytes. A `send` beyond it ends the link with
   * `TransportError` code `kp.SlowPeer`, as TCP and WebSocket do for a peer that does not read.
   * Default 4 MiB (or one largest message, if that is more); at least one largest message.
   */
  maxBuffered?: number
  /**
   * Largest message this engine reassembles (the session's announced `maxMessage`). A message
   * whose fragments pass it ends the link with a `ProtocolError` before its bytes are held.
   * Default and upper bound: 255 fragments of the largest PUSH that fits `mtu`.
   */
  maxMessage?: number
  /** Shared byte budget charged with what the engine holds (default `processMemoryBudget()`). */
  memoryBudget?: MemoryBudget
  /** Bytes an engine holds before it charges the budget (default 16 KiB). */
  budgetAllowance?: number
  /**
   * Called once when the link ends by itself; the engine then does nothing more. `error` is set
   * when a limit ended it: `TransportError` code `kp.SlowPeer` (beyond `maxBuffered`) or
   * `kp.MemoryBudget` (the budget refused), or `ProtocolError` (a message beyond `maxMessage`);
   * it is undefined for a dead link (retransmissions, unACKed data, window closed too long).
   */
  onDead?: (reason: string, error?: KiloError) => void
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

/** Fresh zeroed counters. @internal */
export function newArqStats(): ArqStats {
  return {
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
}

/** Type name for error messages. @internal */
export function typeName(v: unknown): string {
  return v === null ? 'null' : typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v
}

/** Checks an integer option in `[min, max]`. @internal */
export function int(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number') throw new TypeError(`"${name}" expected integer, got ${typeName(v)}`)
  if (!(Number.isSafeInteger(v) && v >= min && v <= max)) throw new RangeError(`"${name}" expected integer ${min}..${max}, got ${v}`)
  return v
}

/** Checks a number option in `[min, max]`. @internal */
export function num(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number') throw new TypeError(`"${name}" expected number, got ${typeName(v)}`)
  if (!(v >= min && v <= max)) throw new RangeError(`"${name}" expected number ${min}..${max}, got ${v}`)
  return v
}
