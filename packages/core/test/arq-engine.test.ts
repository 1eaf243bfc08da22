import { describe, expect, it } from 'vitest'
import { ArqEngine, type ArqEngineOptions, arqMaxMessageSize, arqMss, decodeArqPayload, MAX_FRAGMENTS } from '../src/arq/index.js'
import { ConnectionClosedError } from '../src/errors/connection-closed-error.js'
import { MessageTooLargeError } from '../src/errors/message-too-large-error.js'

/** Two engines on a hand-driven wire: tests decide which packets arrive and when. */
function pair(options: Partial<ArqEngineOptions> = {}) {
  const clock = { now: 0 }
  const toB: Uint8Array[] = []
  const toA: Uint8Array[] = []
  const base = { now: () => clock.now, mtu: 1200, redundancy: 0, ...options }
  const a = new ArqEngine({ ...base, output: (p) => toB.push(p.slice()) })
  const b = new ArqEngine({ ...base, output: (p) => toA.push(p.slice()) })
  return { clock, a, b, toB, toA }
}

const bytes = (...v: number[]) => new Uint8Array(v)

function pushes(packet: Uint8Array) {
  return decodeArqPayload(packet).segments.filter((s) => s.type === 'push')
}

describe('ArqEngine', () => {
  it('sends on flush (no timer wait), delivers, ACKs, and measures the round trip', () => {
    const { clock, a, b, toB, toA } = pair()
    a.send(bytes(1, 2, 3))
    expect(toB).toHaveLength(0) // nothing before the end of the turn
    a.flush()
    expect(toB).toHaveLength(1)
    expect(a.nextTimerAt()).toBe(200) // initial rto before any sample
    clock.now = 40
    expect(b.input(toB.shift()!)).toEqual([bytes(1, 2, 3)])
    b.flush()
    const ack = decodeArqPayload(toA[0]!)
    expect(ack.una).toBe(1)
    expect(ack.segments).toEqual([{ type: 'ack', sn: 0, ts: 0 }])
    clock.now = 80
    expect(a.input(toA.shift()!)).toEqual([])
    expect(a.srtt).toBe(80)
    expect(a.rto).toBe(80 + 4 * 40) // srtt + max(interval, 4·rttvar), rttvar = rtt/2
    expect(a.idle).toBe(true)
    expect(a.nextTimerAt()).toBeNull() // nothing outstanding: no timer at all
    expect(a.stats).toMatchObject({ messagesSent: 1, segmentsSent: 1, packetsSent: 1, acksReceived: 1 })
    expect(b.stats).toMatchObject({ delivered: 1, acksSent: 1 })
  })

  it('coalesces the ACKs and PUSHes of one turn into one payload', () => {
    const { a, b, toB, toA } = pair()
    for (let i = 0; i < 3; i++) {
      a.send(bytes(i))
      a.flush()
    }
    expect(toB).toHaveLength(3)
    const got = toB.splice(0).flatMap((p) => [...b.input(p)])
    expect(got).toEqual([bytes(0), bytes(1), bytes(2)])
    b.send(bytes(9))
    b.flush()
    expect(toA).toHaveLength(1)
    const p = decodeArqPayload(toA[0]!)
    expect(p.segments.map((s) => s.type)).toEqual(['ack', 'ack', 'ack', 'push'])
  })

  it('packs many small messages into as few payloads as fit the mtu', () => {
    const { a, toB } = pair({ mtu: 200 })
    for (let i = 0; i < 50; i++) a.send(new Uint8Array(20).fill(i))
    a.flush()
    for (const p of toB) expect(p.length).toBeLessThanOrEqual(200)
    expect(toB.length).toBe(Math.ceil((50 * (1 + 1 + 4 + 1 + 1 + 20)) / (200 - 3)))
  })

  it('fragments a large message and reassembles it', () => {
    const { a, b, toB } = pair({ mtu: 300 })
    const mss = arqMss(300)
    expect(a.mss).toBe(mss)
    const msg = new Uint8Array(mss * 3 + 1).map((_, i) => i * 7)
    a.send(msg)
    a.flush()
    expect(toB.flatMap((p) => pushes(p).map((s) => (s.type === 'push' ? s.frg : -1)))).toEqual([3, 2, 1, 0])
    const out = toB.splice(0).flatMap((p) => [...b.input(p)])
    expect(out).toEqual([msg])
  })

  it('reassembles fragments that arrive out of order, delivering in order exactly once', () => {
    const { a, b, toB } = pair({ mtu: 100 })
    const m1 = new Uint8Array(a.mss * 2).fill(1)
    const m2 = new Uint8Array(a.mss).fill(2)
    a.send(m1)
    a.send(m2)
    a.flush()
    const pkts = toB.splice(0)
    expect(pkts).toHaveLength(3)
    expect(b.input(pkts[2]!)).toEqual([])
    expect(b.input(pkts[1]!)).toEqual([])
    expect(b.input(pkts[1]!)).toEqual([]) // duplicate
    expect(b.input(pkts[0]!)).toEqual([m1, m2])
    expect(b.stats.duplicates).toBe(1)
  })

  it('refuses a message that needs more than 255 fragments', () => {
    const { a } = pair({ mtu: 200 })
    expect(a.maxMessageSize).toBe(arqMss(200) * MAX_FRAGMENTS)
    expect(arqMaxMessageSize(200)).toBe(a.maxMessageSize)
    expect(() => a.send(new Uint8Array(a.maxMessageSize))).not.toThrow()
    let err: unknown
    try {
      a.send(new Uint8Array(a.maxMessageSize + 1))
    } catch (e) {
      err = e
    }
    expect(MessageTooLargeError.isInstance(err)).toBe(true)
    expect((err as MessageTooLargeError).limit).toBe(a.maxMessageSize)
    expect(a.queued).toBe(MAX_FRAGMENTS) // only the accepted message
  })

  it('retransmits on timeout, each timeout multiplying that segment rto by 1.5', () => {
    const { clock, a, toB } = pair()
    a.send(bytes(1))
    a.flush()
    toB.length = 0 // lost
    let due = a.nextTimerAt()!
    expect(due).toBe(200)
    clock.now = 199
    a.onTimer() // early: harmless
    expect(toB).toHaveLength(0)
    for (const expected of [300, 450, 675]) {
      clock.now = due
      a.onTimer()
      expect(toB).toHaveLength(1)
      toB.length = 0
      due = a.nextTimerAt()!
      expect(due - clock.now).toBeCloseTo(expected)
    }
    expect(a.stats.retransmits).toBe(3)
  })

  it('fast-retransmits once two later segments are ACKed', () => {
    const { clock, a, b, toB, toA } = pair()
    for (let i = 0; i < 4; i++) {
      a.send(bytes(i))
      a.flush()
    }
    const [p0, p1, p2] = toB.splice(0)
    void p0 // lost
    clock.now = 30
    b.input(p1!)
    b.flush()
    b.input(p2!)
    b.flush()
    clock.now = 60
    a.input(toA.shift()!)
    a.flush()
    expect(toB).toHaveLength(0) // one later ACK is not enough (two more segments are in flight)
    a.input(toA.shift()!)
    a.flush()
    expect(a.stats.fastRetransmits).toBe(1)
    expect(pushes(toB[0]!)).toMatchObject([{ sn: 0 }])
    expect(b.input(toB[0]!)).toEqual([bytes(0), bytes(1), bytes(2)])
  })

  it('early-retransmits on one later ACK when nothing new is queued (and only then)', () => {
    for (const early of [true, false]) {
      const { clock, a, b, toB, toA } = pair({ earlyRetransmit: early })
      a.send(bytes(0))
      a.flush()
      a.send(bytes(1))
      a.flush()
      toB.shift() // sn 0 lost
      clock.now = 30
      b.input(toB.shift()!)
      b.flush()
      clock.now = 60
      a.input(toA.shift()!)
      a.flush()
      expect(a.stats.earlyRetransmits).toBe(early ? 1 : 0)
      expect(toB).toHaveLength(early ? 1 : 0)
    }
  })

  it('carries redundant copies of unACKed segments in spare room of payloads it sends anyway', () => {
    const { b, toB } = pair()
    const clock = { t: 0 }
    const c = new ArqEngine({ now: () => clock.t, output: (p) => toB.push(p.slice()), mtu: 1200 })
    c.send(bytes(0))
    c.flush()
    clock.t = 20
    c.send(bytes(1))
    c.flush()
    clock.t = 40
    c.send(bytes(2))
    c.flush()
    expect(toB.map((p) => pushes(p).map((s) => (s.type === 'push' ? s.sn : -1)))).toEqual([[0], [1, 0], [2, 0, 1]])
    expect(c.stats.copiesSent).toBe(3)
    // The second payload alone repairs the loss of the first.
    expect(b.input(toB[1]!)).toEqual([bytes(0), bytes(1)])
  })

  it('clamps rto to [minRto, maxRto]', () => {
    const { clock, a, b, toB, toA } = pair()
    a.send(bytes(0))
    a.flush()
    clock.now = 1
    b.input(toB.shift()!)
    b.flush()
    clock.now = 2
    a.input(toA.shift()!)
    expect(a.srtt).toBe(2)
    expect(a.rto).toBe(30)
  })

  it('validates its options and arguments', () => {
    const ok = { now: () => 0, output: () => {}, mtu: 1200 }
    expect(() => new ArqEngine({ ...ok, mtu: 10 })).toThrow(RangeError)
    expect(() => new ArqEngine({ ...ok, mtu: '1200' as unknown as number })).toThrow(TypeError)
    expect(() => new ArqEngine({ ...ok, now: 5 as unknown as () => number })).toThrow(TypeError)
    expect(() => new ArqEngine({ ...ok, sndWnd: 0 })).toThrow(/"sndWnd"/)
    expect(() => new ArqEngine({ ...ok, minRto: 100, maxRto: 50 })).toThrow(RangeError)
    const e = new ArqEngine(ok)
    expect(() => e.send('x' as unknown as Uint8Array)).toThrow(TypeError)
    expect(() => e.input([1, 2] as unknown as Uint8Array)).toThrow(TypeError)
  })

  it('declares the link dead after 20 transmissions and then refuses to send', () => {
    const reasons: string[] = []
    const { clock, a, toB } = pair({ deadLinkMs: 0, maxRto: 1000, onDead: (r) => reasons.push(r) })
    a.send(bytes(1))
    a.flush()
    for (let t = a.nextTimerAt(); t !== null; t = a.nextTimerAt()) {
      clock.now = t
      a.onTimer()
    }
    expect(toB).toHaveLength(20)
    expect(reasons).toEqual([expect.stringMatching(/sent 20 times/)])
    expect(a.dead).toBe(reasons[0])
    expect(() => a.send(bytes(2))).toThrow(ConnectionClosedError)
    expect(a.input(toB[0]!)).toEqual([])
  })
})
