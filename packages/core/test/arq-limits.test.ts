import { describe, expect, it } from 'vitest'
import { ArqDecodeError, ArqEngine, type ArqEngineOptions, decodeArqPayload, encodeArqPayload, MAX_FRAGMENTS } from '../src/arq/index.js'
import { uintSize } from '../src/arq/codec.js'
import { ARQ_SEGMENT_OVERHEAD, ARQ_VIEW_OVERHEAD, arqMaxReassembly, arqMaxSegmentData } from '../src/arq/limits.js'
import { ConnectionClosedError } from '../src/errors/connection-closed-error.js'
import type { KiloError } from '../src/errors/kilo-error.js'
import { ProtocolError } from '../src/errors/protocol-error.js'
import { TransportError } from '../src/errors/transport-error.js'
import { MemoryBudget } from '../src/limits/memory-budget.js'

// Hostile inputs against the bounds of the ARQ engine (issue 14, points 2 and 9): each test
// asserts the bound itself (bytes held, time to the end, named error), on a virtual clock.

const MTU = 1200

interface Death {
  at: number
  reason: string
  error: KiloError | undefined
}

function engine(options: Partial<ArqEngineOptions> = {}) {
  const clock = { now: 0 }
  const out: Uint8Array[] = []
  const deaths: Death[] = []
  const budget = new MemoryBudget(256 * 1024 * 1024)
  const e = new ArqEngine({
    now: () => clock.now,
    output: (p) => out.push(p.slice()),
    mtu: MTU,
    redundancy: 0,
    memoryBudget: budget,
    budgetAllowance: 0,
    onDead: (reason, error) => deaths.push({ at: clock.now, reason, error }),
    ...options,
  })
  return { clock, e, out, deaths, budget }
}

const push = (sn: number, frg: number, data: Uint8Array) => encodeArqPayload({ una: 0, wnd: 32, segments: [{ type: 'push', sn, ts: 0, frg, data }] })

/** A PUSH of `sn` whose payload is exactly `MTU` bytes (the largest a receiver accepts). */
const fullPush = (sn: number, frg: number) => push(sn, frg, new Uint8Array(arqMaxSegmentData(MTU) - (uintSize(sn) - 1)).fill(sn & 255))
const FULL_COST = MTU + ARQ_VIEW_OVERHEAD

/**
 * A peer that never reads: it ACKs every PUSH (so nothing stays in flight) but advertises a
 * window of 0 forever, and answers window probes with 0 too (or, `silent`, stops answering
 * after its first reply).
 */
function zeroWindowPeer(silent: boolean) {
  let una = 0
  let replies = 0
  return (packet: Uint8Array): Uint8Array | null => {
    if (silent && replies > 0) return null
    const p = decodeArqPayload(packet)
    const segments: Parameters<typeof encodeArqPayload>[0]['segments'] = []
    for (const s of p.segments) {
      if (s.type === 'push') {
        segments.push({ type: 'ack', sn: s.sn, ts: s.ts })
        if (s.sn + 1 > una) una = s.sn + 1
      } else if (s.type === 'wask') segments.push({ type: 'wins' })
    }
    replies++
    return encodeArqPayload({ una, wnd: 0, segments })
  }
}

/**
 * Runs `e` against `peer` for up to `ms` of virtual time in 10 ms turns; every turn the
 * application queues `result` bytes (a command whose result is larger than its arguments).
 * Returns the largest `bufferedBytes` seen after any call.
 */
function runAgainst(t: ReturnType<typeof engine>, peer: (p: Uint8Array) => Uint8Array | null, result: number, ms: number): number {
  const { clock, e, out } = t
  let peak = 0
  const see = () => {
    if (e.bufferedBytes > peak) peak = e.bufferedBytes
  }
  const exchange = () => {
    for (const p of out.splice(0)) {
      const reply = peer(p)
      if (reply) e.input(reply)
      see()
    }
  }
  for (; clock.now <= ms && e.dead === null; clock.now += 10) {
    e.send(new Uint8Array(result))
    see()
    e.flush()
    exchange()
    const due = e.nextTimerAt()
    if (due !== null && due <= clock.now) e.onTimer()
    see()
    exchange()
  }
  return peak
}

describe('ARQ send-side bounds: a peer whose window stays 0', () => {
  for (const silent of [false, true]) {
    it(`ends the link at the zero-window deadline (probes ${silent ? 'unanswered' : 'answered with 0'}), never holding more than maxBuffered`, () => {
      const maxBuffered = 4 * 1024 * 1024
      const t = engine({ zeroWindowMs: 2_000, deadLinkMs: 30_000, maxBuffered })
      const peak = runAgainst(t, zeroWindowPeer(silent), 8 * 1024, 60_000)
      expect(t.deaths).toHaveLength(1)
      const d = t.deaths[0]!
      expect(d.reason).toMatch(/peer window closed for \d+ ms with \d+ bytes waiting/)
      expect(d.error).toBeUndefined() // a dead link, not a limit
      // The peer's first reply closed the window; data waits for it from the next turn (t = 10 ms).
      expect(d.at).toBe(2_010)
      expect(peak).toBeLessThanOrEqual(maxBuffered)
      expect(peak).toBeGreaterThan(1024 * 1024) // ~200 results of 8 KiB queued before the deadline
      expect(t.e.bufferedBytes).toBe(0)
      expect(t.budget.used).toBe(0)
      expect(() => t.e.send(new Uint8Array(1))).toThrow(ConnectionClosedError)
    })
  }

  it('the zero-window deadline follows setDeadLinkMs unless zeroWindowMs was given', () => {
    const t = engine({ deadLinkMs: 30_000 })
    t.e.setDeadLinkMs(500)
    runAgainst(t, zeroWindowPeer(false), 100, 60_000)
    expect(t.deaths[0]!.at).toBe(510)
  })

  it('a send beyond maxBuffered ends the link with TransportError kp.SlowPeer; held bytes never pass the bound', () => {
    const maxBuffered = 1024 * 1024
    const t = engine({ zeroWindowMs: 30_000, maxBuffered })
    const peak = runAgainst(t, zeroWindowPeer(false), 100_000, 60_000)
    expect(t.deaths).toHaveLength(1)
    const { error, at, reason } = t.deaths[0]!
    expect(TransportError.isInstance(error)).toBe(true)
    expect(error!.code).toBe('kp.SlowPeer')
    expect(reason).toMatch(/exceed maxBuffered \(1048576\)/)
    expect(at).toBeLessThan(200) // long before the zero-window deadline
    expect(peak).toBeLessThanOrEqual(maxBuffered)
    expect(peak).toBeGreaterThan(maxBuffered - 100_000 - 100 * ARQ_SEGMENT_OVERHEAD)
    expect(t.budget.used).toBe(0)
  })

  it('counts each segment with its overhead, so tiny messages cannot hold more than large ones', () => {
    const t = engine({ maxBuffered: 1024 * 1024 })
    let sent = 0
    while (t.e.dead === null) {
      t.e.send(new Uint8Array(1))
      sent++
    }
    expect(t.deaths[0]!.error!.code).toBe('kp.SlowPeer')
    expect(sent - 1).toBe(Math.floor((1024 * 1024) / (1 + ARQ_SEGMENT_OVERHEAD)))
  })

  it('refuses a maxBuffered that cannot hold one largest message, and a wrong memoryBudget', () => {
    const ok = { now: () => 0, output: () => {}, mtu: MTU }
    const e = new ArqEngine(ok)
    const one = e.maxMessageSize + MAX_FRAGMENTS * ARQ_SEGMENT_OVERHEAD
    expect(() => new ArqEngine({ ...ok, maxBuffered: one - 1 })).toThrow(/"maxBuffered" expected integer/)
    expect(() => new ArqEngine({ ...ok, maxBuffered: one })).not.toThrow()
    expect(() => new ArqEngine({ ...ok, maxBuffered: '1' as unknown as number })).toThrow(TypeError)
    expect(() => new ArqEngine({ ...ok, zeroWindowMs: -1 })).toThrow(RangeError)
    expect(() => new ArqEngine({ ...ok, maxMessage: 0 })).toThrow(RangeError)
    expect(() => new ArqEngine({ ...ok, memoryBudget: {} as MemoryBudget })).toThrow(/"memoryBudget"/)
  })
})

describe('ARQ receive-side bounds', () => {
  it('a payload longer than the mtu (an oversized PUSH) is malformed: dropped, counted, nothing held', () => {
    const t = engine()
    const max = arqMaxSegmentData(MTU)
    const oversized = push(0, 0, new Uint8Array(64 * 1024).fill(1))
    expect(() => t.e.input(oversized)).toThrow(ArqDecodeError)
    const oneMore = push(0, 0, new Uint8Array(max + 1).fill(2))
    expect(oneMore.length).toBe(MTU + 1)
    expect(() => t.e.input(oneMore)).toThrow(/exceeds the mtu of 1200/)
    expect(t.e.stats.malformed).toBe(2)
    expect(t.e.stats.packetsReceived).toBe(0)
    expect(t.e.receiveBytes).toBe(0)
    t.e.flush()
    expect(t.out).toHaveLength(0) // not even ACKed
    // the largest PUSH that fits the mtu is accepted, and sn 0 was not taken by the refused ones
    const largest = new Uint8Array(max).fill(3)
    const fits = push(0, 0, largest)
    expect(fits.length).toBe(MTU)
    expect(t.e.input(fits)).toEqual([largest])
    expect(t.e.receiveBytes).toBe(0)
  })

  it('a message past maxMessage ends the link with a ProtocolError before its bytes join the message', () => {
    const t = engine({ maxMessage: 5_000 })
    const held: number[] = []
    for (let sn = 0; sn < 10 && t.e.dead === null; sn++) {
      expect(t.e.input(push(sn, 9 - sn, new Uint8Array(1_000).fill(sn)))).toEqual([])
      held.push(t.e.receiveBytes)
    }
    expect(t.deaths).toHaveLength(1)
    const { error, reason } = t.deaths[0]!
    expect(ProtocolError.isInstance(error)).toBe(true)
    expect(error!.code).toBe('kp.Protocol')
    expect(reason).toMatch(/more than 5000 bytes \(maxMessage\)/)
    // five fragments (5 000 bytes) were held; the sixth ended the link instead of joining them
    expect(held).toHaveLength(6)
    expect(Math.max(...held)).toBe(5 * (push(0, 0, new Uint8Array(1_000)).length + ARQ_VIEW_OVERHEAD))
    expect(held[5]).toBe(0)
    expect(t.budget.used).toBe(0)
    expect(t.e.stats.delivered).toBe(0)
  })

  it('a message of exactly maxMessage bytes is delivered', () => {
    const a = engine({ maxMessage: 5_000 })
    const b = engine({ maxMessage: 5_000 })
    const msg = new Uint8Array(5_000).map((_, i) => i)
    b.e.send(msg)
    b.e.flush()
    const got = b.out.flatMap((p) => [...a.e.input(p)])
    expect(got).toEqual([msg])
    expect(a.deaths).toHaveLength(0)
  })

  it('out-of-order segments are bounded by the receive window: a flood beyond it is dropped, not ACKed, not held', () => {
    const rcvWnd = 128
    const t = engine({ rcvWnd })
    // sn 0 never comes: 1..127 are held out of order, full-sized
    for (let sn = 1; sn < rcvWnd; sn++) t.e.input(fullPush(sn, 0))
    const inWindow = t.e.receiveBytes
    expect(inWindow).toBe((rcvWnd - 1) * FULL_COST)
    t.e.flush()
    const acked = t.out.splice(0).flatMap((p) => decodeArqPayload(p).segments.filter((s) => s.type === 'ack'))
    expect(acked).toHaveLength(rcvWnd - 1)
    for (let sn = rcvWnd; sn < 20_000; sn++) t.e.input(fullPush(sn, 0))
    expect(t.e.stats.outOfWindow).toBe(20_000 - rcvWnd)
    expect(t.e.receiveBytes).toBe(inWindow)
    t.e.flush()
    expect(t.out).toHaveLength(0) // beyond the window: no ACK either
    expect(t.deaths).toHaveLength(0)
  })

  it('per session, reassembly plus out-of-order segments hold at most (254 + rcvWnd) × (mtu + 128) bytes', () => {
    const rcvWnd = 128
    const t = engine({ rcvWnd })
    // 254 fragments of a 255-fragment message, in order: the most a reassembly holds
    let size = 0
    for (let sn = 0; sn < MAX_FRAGMENTS - 1; sn++) {
      const p = fullPush(sn, MAX_FRAGMENTS - 1 - sn)
      const seg = decodeArqPayload(p).segments[0]!
      if (seg.type === 'push') size += seg.data.length
      t.e.input(p)
    }
    expect(t.e.receiveBytes).toBe((MAX_FRAGMENTS - 1) * FULL_COST)
    // its last fragment is missing: the whole window behind it fills out of order, then a flood
    for (let sn = MAX_FRAGMENTS; sn < MAX_FRAGMENTS + 10_000; sn++) t.e.input(fullPush(sn, 0))
    const bound = (MAX_FRAGMENTS - 1 + rcvWnd) * FULL_COST
    expect(t.e.receiveBytes).toBe(bound - FULL_COST) // sn 254 is the gap: 254 + 127 slots
    expect(bound).toBe(507_296) // (254 + 128) × (1 200 + 128); with Connection's mtu of 1 373: 573 382
    expect(t.e.stats.outOfWindow).toBe(10_000 - (rcvWnd - 1))
    expect(t.deaths).toHaveLength(0)
    // the gap arrives: the message completes, everything is delivered and given back
    const last = fullPush(MAX_FRAGMENTS - 1, 0)
    const out = t.e.input(last)
    expect(out).toHaveLength(1 + 127)
    expect(out[0]!.length).toBe(size + arqMaxSegmentData(MTU) - (uintSize(MAX_FRAGMENTS - 1) - 1))
    expect(arqMaxReassembly(MTU)).toBeGreaterThanOrEqual(out[0]!.length)
    expect(t.e.receiveBytes).toBe(0)
    expect(t.budget.used).toBe(0)
  })
})

describe('ARQ memory budget', () => {
  it('charges bytes beyond the allowance and gives them back as segments are ACKed and when the engine closes', () => {
    const budget = new MemoryBudget(10 * 1024 * 1024)
    const allowance = 16 * 1024
    const a = engine({ memoryBudget: budget, budgetAllowance: allowance })
    const b = engine({ memoryBudget: budget, budgetAllowance: allowance })
    const msg = new Uint8Array(100_000)
    a.e.send(msg)
    const frags = Math.ceil(msg.length / a.e.mss)
    expect(a.e.bufferedBytes).toBe(msg.length + frags * ARQ_SEGMENT_OVERHEAD)
    expect(budget.used).toBe(a.e.bufferedBytes - allowance)
    a.e.flush()
    for (const p of a.out.splice(0)) b.e.input(p)
    b.e.flush()
    for (const p of b.out.splice(0)) a.e.input(p)
    expect(a.e.bufferedBytes).toBe(0)
    expect(b.e.receiveBytes).toBe(0)
    expect(budget.used).toBe(0)
    a.e.send(msg)
    expect(budget.used).toBeGreaterThan(0)
    a.e.close()
    expect(budget.used).toBe(0)
    expect(a.e.dead).toBe('closed')
    expect(a.deaths).toHaveLength(0) // close() is the host's own decision: no onDead
  })

  it('ends the link with TransportError kp.MemoryBudget when the shared budget refuses, sending or receiving', () => {
    const budget = new MemoryBudget(300_000)
    const a = engine({ memoryBudget: budget })
    const b = engine({ memoryBudget: budget })
    a.e.send(new Uint8Array(200_000))
    const aHolds = budget.used
    b.e.send(new Uint8Array(200_000))
    expect(b.deaths).toHaveLength(1)
    expect(TransportError.isInstance(b.deaths[0]!.error)).toBe(true)
    expect(b.deaths[0]!.error!.code).toBe('kp.MemoryBudget')
    expect(budget.used).toBe(aHolds) // b took nothing and holds nothing
    // receiving: a third engine on the nearly spent budget refuses to hold an out-of-order segment
    const c = engine({ memoryBudget: budget })
    const big = new Uint8Array(arqMaxSegmentData(MTU))
    for (let sn = 1; sn < 128 && c.e.dead === null; sn++) c.e.input(push(sn, 0, big))
    expect(c.deaths[0]!.error!.code).toBe('kp.MemoryBudget')
    expect(c.e.receiveBytes).toBe(0)
    expect(budget.used).toBe(aHolds)
    a.e.close()
    expect(budget.used).toBe(0)
  })
})
