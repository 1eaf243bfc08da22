import { ArqEngine, type ArqEngineOptions, type ArqStats } from './engine.js'
import { mulberry32 } from '../transport/prng.js'

/**
 * A deterministic network for the ARQ engine, modelled on KCP's `test.cpp` latency simulator:
 * a virtual clock, a seeded random source, two FIFO links (a packet never overtakes an earlier
 * one on the same link) with a uniform one-way delay, per-direction loss of half the round-trip
 * loss, and 1000-packet queues. Two engines are driven through the host API: `input` for each
 * arriving packet, `onTimer` when `nextTimerAt()` is due, `flush()` at the end of each virtual
 * turn (one turn per distinct event time).
 */

/** Seeded PRNG (mulberry32): uniform in [0, 1). */
export const seededRandom: (seed: number) => () => number = mulberry32

/** Options of one simulated network (both directions alike). */
export interface NetworkOptions {
  /** Seed of the random source (loss and delay); same seed, same run. */
  seed: number
  /** Round-trip loss in percent; each direction drops `lossPercent / 2` percent (default 0). */
  lossPercent?: number
  /** Shortest one-way delay in ms (default 30). */
  delayMin?: number
  /** Longest one-way delay in ms, inclusive (default 61). */
  delayMax?: number
  /** Packets a link holds before it drops new ones (default 1000). */
  queueLimit?: number
  /**
   * `'bag'` (default) draws loss as KCP's test does: without replacement from a bag of 100
   * tickets per direction, so each block of 100 packets loses exactly `lossPercent / 2`;
   * `'bernoulli'` drops each packet independently with that probability.
   */
  lossModel?: 'bag' | 'bernoulli'
}

/** One direction of the network: FIFO, uniform delay, random loss, bounded queue. */
export class SimLink {
  /** Packets offered, dropped by loss, dropped by a full queue, delivered. */
  readonly counts = { sent: 0, lost: 0, overflow: 0, delivered: 0, bytes: 0 }
  private readonly at: number[] = []
  private readonly data: Uint8Array[] = []
  private head = 0
  private readonly random: () => number
  private readonly lossPer100: number
  private readonly bag: number[] = []
  private bagSize = 0

  constructor(
    private readonly options: Required<Omit<NetworkOptions, 'seed'>>,
    seed: number,
  ) {
    this.random = seededRandom(seed)
    this.lossPer100 = options.lossPercent / 2
    for (let i = 0; i < 100; i++) this.bag.push(i)
  }

  /** Offers a packet at clock time `now` (the link keeps `packet`; pass a copy). */
  send(now: number, packet: Uint8Array): void {
    const c = this.counts
    c.sent++
    c.bytes += packet.length
    if (this.lossPer100 > 0 && this.lossDraw() < this.lossPer100) {
      c.lost++
      return
    }
    if (this.at.length - this.head >= this.options.queueLimit) {
      c.overflow++
      return
    }
    const { delayMin, delayMax } = this.options
    const delay = delayMin + Math.floor(this.random() * (delayMax - delayMin + 1))
    this.at.push(now + delay)
    this.data.push(packet)
  }

  /** Arrival time of the packet at the head of the link, or +Infinity when empty. */
  headAt(): number {
    return this.head < this.at.length ? this.at[this.head]! : Number.POSITIVE_INFINITY
  }

  /** Removes and returns the head packet if it has arrived by `now`. */
  take(now: number): Uint8Array | undefined {
    if (this.head >= this.at.length || this.at[this.head]! > now) return undefined
    const p = this.data[this.head]!
    this.data[this.head] = undefined as unknown as Uint8Array
    this.head++
    if (this.head > 4096 && this.head * 2 > this.at.length) {
      this.at.splice(0, this.head)
      this.data.splice(0, this.head)
      this.head = 0
    }
    this.counts.delivered++
    return p
  }

  /** Packets waiting on the link. */
  get pending(): number {
    return this.at.length - this.head
  }

  // A number in 0..99: KCP's bag (without replacement) or a plain uniform draw.
  private lossDraw(): number {
    if (this.options.lossModel === 'bernoulli') return this.random() * 100
    if (this.bagSize === 0) this.bagSize = 100
    const i = Math.floor(this.random() * this.bagSize)
    const x = this.bag[i]!
    this.bag[i] = this.bag[--this.bagSize]!
    this.bag[this.bagSize] = x
    return x
  }
}

/** Engine settings the simulator lets a profile choose (the rest it supplies). */
export type ArqProfile = Omit<ArqEngineOptions, 'now' | 'output' | 'onDead' | 'mtu'> & { mtu?: number }

/** One endpoint: an engine plus the application callback that receives its messages. */
export class SimPeer {
  readonly engine: ArqEngine
  /** Called for each delivered message, in order; may call `send`. */
  onMessage: (message: Uint8Array) => void = () => {}
  /** Set when the engine declares the link dead. */
  deadReason: string | null = null
  /** Clock time the engine declared the link dead. */
  deadAt = -1
  /** A vanished peer ignores everything and sends nothing (crashed, unplugged). */
  vanished = false
  /** `ArqDecodeError`s thrown by `input`. */
  inputErrors = 0

  constructor(
    readonly name: string,
    sim: ArqSimulator,
    out: SimLink,
    profile: ArqProfile,
  ) {
    this.engine = new ArqEngine({
      mtu: 1200,
      ...profile,
      now: () => sim.now,
      output: (p) => out.send(sim.now, p.slice()),
      onDead: (reason) => {
        this.deadReason = reason
        this.deadAt = sim.now
      },
    })
  }

  /** Queues a message (sent at the end of the current turn). */
  send(message: Uint8Array): void {
    this.engine.send(message)
  }
}

/** Options of {@link ArqSimulator}. */
export interface SimulatorOptions extends NetworkOptions {
  /** Engine settings for both peers (default: the engine's defaults). */
  profile?: ArqProfile
  /** Overrides for peer b only. */
  profileB?: ArqProfile
}

/**
 * Two engines, `a` and `b`, on a simulated network with a virtual clock starting at 0.
 *
 * @example
 * const sim = new ArqSimulator({ seed: 1, lossPercent: 10 })
 * sim.b.onMessage = (m) => sim.b.send(m)
 * sim.at(0, () => sim.a.send(new Uint8Array(8)))
 * sim.run(5_000)
 */
export class ArqSimulator {
  /** Virtual clock, ms. */
  now = 0
  readonly ab: SimLink
  readonly ba: SimLink
  readonly a: SimPeer
  readonly b: SimPeer
  /** Virtual turns run so far. */
  turns = 0
  private readonly actionAt: number[] = []
  private readonly actionFn: (() => void)[] = []

  constructor(options: SimulatorOptions) {
    const net = {
      lossPercent: options.lossPercent ?? 0,
      delayMin: options.delayMin ?? 30,
      delayMax: options.delayMax ?? 61,
      queueLimit: options.queueLimit ?? 1000,
      lossModel: options.lossModel ?? 'bag',
    }
    if (!(net.lossPercent >= 0 && net.lossPercent <= 200)) throw new RangeError(`"lossPercent" expected 0..200, got ${net.lossPercent}`)
    if (!(net.delayMin >= 0 && net.delayMax >= net.delayMin)) throw new RangeError('"delayMin"/"delayMax" expected 0 <= min <= max')
    const seed = options.seed >>> 0
    this.ab = new SimLink(net, seed * 2 + 1)
    this.ba = new SimLink(net, seed * 2 + 2)
    const profile = options.profile ?? {}
    this.a = new SimPeer('a', this, this.ab, profile)
    this.b = new SimPeer('b', this, this.ba, { ...profile, ...options.profileB })
  }

  /** Runs `fn` at virtual time `time` (inside that turn, before the flush). */
  at(time: number, fn: () => void): void {
    // Keep the list sorted by time (stable for equal times); workloads schedule mostly in order.
    let i = this.actionAt.length
    while (i > 0 && this.actionAt[i - 1]! > time) i--
    this.actionAt.splice(i, 0, time)
    this.actionFn.splice(i, 0, fn)
  }

  /** Time of the next event, or +Infinity when nothing will ever happen again. */
  nextEventAt(): number {
    let t = Math.min(this.ab.headAt(), this.ba.headAt())
    for (const p of [this.a, this.b]) {
      if (p.vanished) continue
      const due = p.engine.nextTimerAt()
      if (due !== null && due < t) t = due
    }
    if (this.actionAt.length > 0 && this.actionAt[0]! < t) t = this.actionAt[0]!
    return t
  }

  /** Runs one virtual turn at the next event time; false when there is none before `limit`. */
  step(limit = Number.POSITIVE_INFINITY): boolean {
    const next = this.nextEventAt()
    if (next === Number.POSITIVE_INFINITY || next > limit) return false
    if (next > this.now) this.now = next
    const now = this.now
    this.turns++
    this.deliver(this.ab, this.b, now)
    this.deliver(this.ba, this.a, now)
    for (const p of [this.a, this.b]) {
      if (p.vanished) continue
      const due = p.engine.nextTimerAt()
      if (due !== null && due <= now) p.engine.onTimer()
    }
    while (this.actionAt.length > 0 && this.actionAt[0]! <= now) {
      this.actionAt.shift()
      this.actionFn.shift()!()
    }
    for (const p of [this.a, this.b]) if (!p.vanished) p.engine.flush()
    return true
  }

  /** Runs turns until virtual time `until`, or until `stop()` returns true after a turn. */
  run(until: number, stop?: () => boolean): void {
    while (this.step(until)) if (stop?.()) return
    if (this.now < until && !stop?.()) this.now = until
  }

  private deliver(link: SimLink, to: SimPeer, now: number): void {
    for (let p = link.take(now); p !== undefined; p = link.take(now)) {
      if (to.vanished) continue
      let messages: readonly Uint8Array[]
      try {
        messages = to.engine.input(p)
      } catch {
        to.inputErrors++
        continue
      }
      for (const m of messages) to.onMessage(m)
    }
  }
}

/** Options of the reference echo workload. */
export interface EchoOptions extends NetworkOptions {
  /** Messages a sends (default 1000). */
  messages?: number
  /** Time between two sends of a, ms (default 20). */
  sendIntervalMs?: number
  /** Size of each message (default 8: u32 index ‖ u32 send time, as in KCP's test). */
  messageSize?: number
  /** Engine profile for both ends. */
  profile?: ArqProfile
  /** Plain datagrams without ARQ (what the network alone gives; losses stay lost). */
  raw?: boolean
  /** Virtual time allowed after the last send for the echoes to come back (default 120 000). */
  drainMs?: number
}

/** Result of one echo run. Round trips are in ms, measured at a for each echoed message. */
export interface EchoResult {
  messages: number
  /** Echoes received (each message once). */
  echoed: number
  avg: number
  p99: number
  max: number
  /** Messages whose echo never came back. */
  lost: number
  /** Messages delivered more than once (at b or back at a). */
  duplicated: number
  /** Messages delivered out of order (at b or back at a). */
  outOfOrder: number
  /** ARQ payload bytes sent by both ends per delivered message (2 per round trip). */
  bytesPerMessage: number
  /** Payloads sent by both ends per delivered message. */
  packetsPerMessage: number
  /** Round trip of each message by index (NaN when lost). */
  rtts: Float64Array
  statsA: ArqStats | null
  statsB: ArqStats | null
}

/**
 * The reference workload of KCP's `test.cpp`: a sends a message every 20 ms, b echoes each one,
 * a measures the round trip; in-order exactly-once delivery is checked at both ends.
 *
 * @example
 * const r = runEcho({ seed: 1, lossPercent: 10 })
 * console.log(r.avg, r.p99, r.max)
 */
export function runEcho(options: EchoOptions): EchoResult {
  const n = options.messages ?? 1000
  const every = options.sendIntervalMs ?? 20
  const size = options.messageSize ?? 8
  if (!(size >= 8)) throw new RangeError(`"messageSize" expected >= 8, got ${size}`)
  const rtts = new Float64Array(n).fill(Number.NaN)
  let echoed = 0
  let duplicated = 0
  let outOfOrder = 0
  let nextAtB = 0
  let nextAtA = 0
  const check = (i: number, expected: number): number => {
    if (i === expected) return expected + 1
    if (i < expected) duplicated++
    else outOfOrder++
    return Math.max(expected, i + 1)
  }

  if (options.raw) {
    const net = {
      lossPercent: options.lossPercent ?? 0,
      delayMin: options.delayMin ?? 30,
      delayMax: options.delayMax ?? 61,
      queueLimit: options.queueLimit ?? 1000,
      lossModel: options.lossModel ?? 'bag',
    }
    const ab = new SimLink(net, (options.seed >>> 0) * 2 + 1)
    const ba = new SimLink(net, (options.seed >>> 0) * 2 + 2)
    const seen = new Uint8Array(n)
    let now = 0
    let sent = 0
    for (;;) {
      const nextSend = sent < n ? sent * every : Number.POSITIVE_INFINITY
      const t = Math.min(nextSend, ab.headAt(), ba.headAt())
      if (t === Number.POSITIVE_INFINITY) break
      now = t
      for (let p = ab.take(now); p; p = ab.take(now)) {
        nextAtB = check(readU32(p, 0), nextAtB)
        ba.send(now, p)
      }
      for (let p = ba.take(now); p; p = ba.take(now)) {
        const i = readU32(p, 0)
        nextAtA = check(i, nextAtA)
        if (seen[i] === 0) {
          seen[i] = 1
          rtts[i] = now - readU32(p, 4)
          echoed++
        }
      }
      if (sent < n && sent * every <= now) {
        ab.send(now, makeMessage(size, sent, now))
        sent++
      }
    }
    const bytes = ab.counts.bytes + ba.counts.bytes
    const packets = ab.counts.sent + ba.counts.sent
    return summarize(n, echoed, rtts, duplicated, outOfOrder, bytes, packets, null, null)
  }

  const sim = new ArqSimulator({ ...options, ...(options.profile ? { profile: options.profile } : {}) })
  const seen = new Uint8Array(n)
  sim.b.onMessage = (m) => {
    nextAtB = check(readU32(m, 0), nextAtB)
    sim.b.send(m)
  }
  sim.a.onMessage = (m) => {
    const i = readU32(m, 0)
    nextAtA = check(i, nextAtA)
    if (i < n && seen[i] === 0) {
      seen[i] = 1
      rtts[i] = sim.now - readU32(m, 4)
      echoed++
    }
  }
  for (let i = 0; i < n; i++) sim.at(i * every, () => sim.a.send(makeMessage(size, i, sim.now)))
  sim.run((n - 1) * every + (options.drainMs ?? 120_000), () => echoed === n || sim.a.deadReason !== null)
  const ea = sim.a.engine.stats
  const eb = sim.b.engine.stats
  sim.a.engine.close() // give their bytes back to the memory budget
  sim.b.engine.close()
  return summarize(n, echoed, rtts, duplicated, outOfOrder, ea.bytesSent + eb.bytesSent, ea.packetsSent + eb.packetsSent, ea, eb)
}

function summarize(
  n: number,
  echoed: number,
  rtts: Float64Array,
  duplicated: number,
  outOfOrder: number,
  bytes: number,
  packets: number,
  statsA: ArqStats | null,
  statsB: ArqStats | null,
): EchoResult {
  const got: number[] = []
  for (const r of rtts) if (!Number.isNaN(r)) got.push(r)
  got.sort((x, y) => x - y)
  let sum = 0
  for (const r of got) sum += r
  const delivered = Math.max(1, 2 * echoed)
  return {
    messages: n,
    echoed,
    avg: got.length ? sum / got.length : Number.NaN,
    p99: got.length ? got[Math.min(got.length - 1, Math.ceil(got.length * 0.99) - 1)]! : Number.NaN,
    max: got.length ? got[got.length - 1]! : Number.NaN,
    lost: n - echoed,
    duplicated,
    outOfOrder,
    bytesPerMessage: bytes / delivered,
    packetsPerMessage: packets / delivered,
    rtts,
    statsA,
    statsB,
  }
}

function makeMessage(size: number, index: number, now: number): Uint8Array {
  const m = new Uint8Array(size)
  writeU32(m, 0, index)
  writeU32(m, 4, Math.floor(now))
  return m
}

function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24
  b[o + 1] = v >>> 16
  b[o + 2] = v >>> 8
  b[o + 3] = v
}

function readU32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0
}
