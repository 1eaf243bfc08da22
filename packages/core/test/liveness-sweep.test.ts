// The server's liveness sweep (PROTOCOL.md 6.2) on its own: links with counting callbacks, fake timers.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { SweptLiveness, sweepPeriod } from '../src/link/liveness-sweep.js'

const INTERVAL = 8_000
const IDLE = 24_000
const PERIOD = sweepPeriod(INTERVAL, IDLE) // 1 000 ms

const links: SweptLiveness[] = []
afterEach(() => {
  for (const l of links.splice(0)) l.stop()
  vi.useRealTimers()
})

function make(n: number, interval = INTERVAL, idle = IDLE) {
  const counts = { pings: 0, idle: 0 }
  const made: SweptLiveness[] = []
  for (let i = 0; i < n; i++) {
    const l = new SweptLiveness(
      interval,
      idle,
      () => counts.pings++,
      () => counts.idle++,
    )
    made.push(l)
    links.push(l)
  }
  return { counts, made }
}

describe('liveness sweep', () => {
  it('pings a quiet link at 3/4 of the interval, and not again before another 3/4 passed', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const { counts, made } = make(1)
    vi.advanceTimersByTime(5 * PERIOD)
    expect(counts.pings).toBe(0)
    vi.advanceTimersByTime(PERIOD) // 6 000 ms = 3/4 of 8 000
    expect(counts.pings).toBe(1)
    made[0]!.received() // the PONG
    vi.advanceTimersByTime(5 * PERIOD)
    expect(counts.pings).toBe(1)
    vi.advanceTimersByTime(PERIOD)
    expect(counts.pings).toBe(2)
  })

  it('a link that sends and receives is never pinged', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const { counts, made } = make(1)
    for (let t = 0; t < 10; t++) {
      vi.advanceTimersByTime(4 * PERIOD)
      made[0]!.sent()
      made[0]!.received()
    }
    expect(counts.pings).toBe(0)
  })

  it('a link that only receives is pinged (its peer hears from it before its idle timeout)', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const { counts, made } = make(1)
    for (let t = 0; t < 24; t++) {
      vi.advanceTimersByTime(PERIOD)
      made[0]!.received()
    }
    // 24 s: PINGs at 6, 12, 18 and 24 s
    expect(counts.pings).toBe(4)
    expect(counts.idle).toBe(0)
  })

  it('closes a link that received nothing for the idle timeout, at most a sweep late, and forgets it', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const { counts } = make(1)
    vi.advanceTimersByTime(IDLE - 1)
    expect(counts.idle).toBe(0)
    vi.advanceTimersByTime(PERIOD)
    expect(counts.idle).toBe(1)
    // the sweep had no other link: its timer is gone
    expect(vi.getTimerCount()).toBe(0)
  })

  it('sends a large sweep in slices of 256 PINGs, 2 ms apart, and skips links stopped in between', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const { counts, made } = make(600)
    vi.advanceTimersByTime(6 * PERIOD)
    expect(counts.pings).toBe(256)
    made[599]!.stop()
    vi.advanceTimersByTime(2)
    expect(counts.pings).toBe(512)
    vi.advanceTimersByTime(2)
    expect(counts.pings).toBe(599)
    vi.advanceTimersByTime(1_000)
    expect(counts.pings).toBe(599)
  })

  it('links with the same period share one timer; none is left when they stop', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    make(50)
    expect(vi.getTimerCount()).toBe(1)
    make(10, 16_000, 48_000)
    expect(vi.getTimerCount()).toBe(2)
    for (const l of links.splice(0)) l.stop()
    expect(vi.getTimerCount()).toBe(0)
  })
})
