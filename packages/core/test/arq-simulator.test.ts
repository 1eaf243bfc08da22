import { describe, expect, it } from 'vitest'
import { ArqSimulator, runEcho } from '../src/arq/index.js'

const u32 = (m: Uint8Array, o = 0) => ((m[o]! << 24) | (m[o + 1]! << 16) | (m[o + 2]! << 8) | m[o + 3]!) >>> 0

function numbered(i: number, size = 8): Uint8Array {
  const m = new Uint8Array(size)
  m[0] = i >>> 24
  m[1] = i >>> 16
  m[2] = i >>> 8
  m[3] = i
  for (let k = 4; k < size; k++) m[k] = (i + k) & 255
  return m
}

/** a sends `n` numbered messages every 20 ms; b echoes; both ends record every arrival. */
function echo(seed: number, lossPercent: number, n: number) {
  const sim = new ArqSimulator({ seed, lossPercent })
  const atB: number[] = []
  const atA: number[] = []
  sim.b.onMessage = (m) => {
    atB.push(u32(m))
    sim.b.send(m)
  }
  sim.a.onMessage = (m) => atA.push(u32(m))
  for (let i = 0; i < n; i++) sim.at(i * 20, () => sim.a.send(numbered(i)))
  sim.run(n * 20 + 60_000, () => atA.length >= n)
  return { sim, atA, atB }
}

describe('ARQ over the simulated network (KCP test.cpp setup)', () => {
  for (const loss of [0, 10, 30]) {
    it(`delivers every message in order exactly once at ${loss}% round-trip loss`, () => {
      for (const seed of [1, 2]) {
        const { sim, atA, atB } = echo(seed, loss, 1000)
        const expected = Array.from({ length: 1000 }, (_, i) => i)
        expect(atB).toEqual(expected) // each message once, in order, at b
        expect(atA).toEqual(expected) // and each echo once, in order, back at a
        expect(sim.a.deadReason).toBeNull()
        expect(sim.a.inputErrors + sim.b.inputErrors).toBe(0)
        if (loss > 0) expect(sim.ab.counts.lost).toBeGreaterThan(0)
      }
    })
  }

  it('adds under 5 ms to the pure network delay at 0% loss, and meets the latency target at 10%', () => {
    let pure = 0
    let clean = 0
    let avg10 = 0
    let p99 = 0
    const seeds = [1, 2, 3, 4, 5]
    for (const seed of seeds) {
      pure += runEcho({ seed, raw: true }).avg
      clean += runEcho({ seed }).avg
      const r = runEcho({ seed, lossPercent: 10 })
      expect(r.lost + r.duplicated + r.outOfOrder).toBe(0)
      avg10 += r.avg
      p99 += r.p99
    }
    const k = seeds.length
    expect(clean / k - pure / k).toBeLessThan(5)
    expect(avg10 / k).toBeLessThanOrEqual(124) // 0.9 × KCP "fast" (138 ms)
    expect(p99 / k).toBeLessThanOrEqual(324)
  })

  it('moves a 200 KB message across 10% loss, fragmented and reassembled byte-exact', () => {
    const sim = new ArqSimulator({ seed: 11, lossPercent: 10 })
    const big = new Uint8Array(200 * 1024)
    for (let i = 0; i < big.length; i++) big[i] = (i * 131 + (i >>> 8)) & 255
    const got: Uint8Array[] = []
    sim.b.onMessage = (m) => got.push(m)
    sim.at(0, () => {
      sim.a.send(numbered(1))
      sim.a.send(big)
      sim.a.send(numbered(2))
    })
    sim.run(120_000, () => got.length === 3)
    expect(got).toHaveLength(3)
    expect(got[0]).toEqual(numbered(1))
    expect(got[1]!.length).toBe(big.length)
    expect(Buffer.from(got[1]!).equals(Buffer.from(big))).toBe(true)
    expect(got[2]).toEqual(numbered(2))
    const s = sim.a.engine.stats
    expect(s.segmentsSent).toBeGreaterThan(Math.ceil(big.length / sim.a.engine.mss))
    expect(s.fastRetransmits + s.earlyRetransmits + s.retransmits).toBeGreaterThan(0)
    expect(sim.b.engine.stats.delivered).toBe(3)
  })

  it('handles a slow reader: zero window, WASK probes, WINS on resume, nothing lost', () => {
    const sim = new ArqSimulator({ seed: 5, lossPercent: 10 })
    const n = 600
    const got: number[] = []
    sim.b.onMessage = (m) => got.push(u32(m))
    sim.b.engine.pause()
    sim.at(0, () => {
      for (let i = 0; i < n; i++) sim.a.send(numbered(i, 100))
    })
    sim.run(6_000)
    // b holds at most its receive window; a stopped at the closed window and probes.
    expect(got).toEqual([])
    expect(sim.a.engine.queued).toBeGreaterThan(0)
    expect(sim.a.engine.inFlight).toBe(0)
    expect(sim.a.engine.stats.probesSent).toBeGreaterThan(0)
    expect(sim.b.engine.stats.windowTells).toBeGreaterThan(0) // answers to the probes
    expect(sim.a.deadReason).toBeNull()
    sim.at(sim.now, () => {
      for (const m of sim.b.engine.resume()) sim.b.onMessage(m)
    })
    sim.run(sim.now + 60_000, () => got.length === n)
    expect(got).toEqual(Array.from({ length: n }, (_, i) => i))
    expect(sim.a.deadReason).toBeNull()
  })

  it('declares a vanished peer dead after deadLinkMs', () => {
    const deadLinkMs = 5_000
    const sim = new ArqSimulator({ seed: 3, lossPercent: 10, profile: { deadLinkMs } })
    let echoes = 0
    sim.b.onMessage = (m) => sim.b.send(m)
    sim.a.onMessage = () => echoes++
    for (let i = 0; i < 50; i++) sim.at(i * 20, () => sim.a.send(numbered(i)))
    sim.run(2_000)
    expect(echoes).toBe(50)
    sim.b.vanished = true
    const sentAt = sim.now
    sim.at(sentAt, () => sim.a.send(numbered(99)))
    sim.run(sentAt + 120_000, () => sim.a.deadReason !== null)
    expect(sim.a.deadReason).toMatch(/unacknowledged for 5\d{3} ms/)
    expect(sim.a.deadAt - sentAt).toBeGreaterThanOrEqual(deadLinkMs)
    expect(sim.a.deadAt - sentAt).toBeLessThan(deadLinkMs + 100)
    expect(sim.a.engine.nextTimerAt()).toBeNull() // a dead engine arms nothing
  })

  it('declares a vanished peer dead after 20 transmissions when that comes first', () => {
    const sim = new ArqSimulator({ seed: 4, profile: { deadLinkMs: 0, maxRto: 500 } })
    sim.b.vanished = true
    sim.at(0, () => sim.a.send(numbered(1)))
    sim.run(600_000, () => sim.a.deadReason !== null)
    expect(sim.a.deadReason).toMatch(/sent 20 times/)
    expect(sim.a.engine.stats.segmentsSent).toBe(20)
    expect(sim.ab.counts.sent).toBe(20)
  })

  it('is deterministic for a seed', () => {
    const a = runEcho({ seed: 9, lossPercent: 30, messages: 300 })
    const b = runEcho({ seed: 9, lossPercent: 30, messages: 300 })
    expect(a.rtts).toEqual(b.rtts)
    expect(a.statsA).toEqual(b.statsA)
  })
})
