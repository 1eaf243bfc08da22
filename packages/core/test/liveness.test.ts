// The client's liveness timer (PROTOCOL.md 6.2) on its own, with fake timers.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Liveness } from '../src/link/liveness.js'

const INTERVAL = 8_000
const IDLE = 24_000

afterEach(() => vi.useRealTimers())

function make() {
  const counts = { pings: 0, idle: 0 }
  const l = new Liveness(
    INTERVAL,
    IDLE,
    true,
    () => counts.pings++,
    () => counts.idle++,
  )
  return { l, counts }
}

// the timer is armed 1 ms past the deadline (a timer may fire a little early)
describe('client liveness', () => {
  it('pings after a whole interval without sending', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const { l, counts } = make()
    vi.advanceTimersByTime(INTERVAL)
    expect(counts.pings).toBe(0)
    vi.advanceTimersByTime(1)
    expect(counts.pings).toBe(1)
    l.stop()
  })

  it("answering the server's PING moves its timer a whole interval on: no wake-up that finds nothing to do", () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const { l, counts } = make()
    // the server pings at 3/4 of the interval; the client receives it and answers
    vi.advanceTimersByTime(6_000)
    l.received()
    l.answeredPing()
    const answeredAt = Date.now()
    // the one timer left is due a whole interval after the answer, not 2 s later (the old deadline)
    expect(vi.getTimerCount()).toBe(1)
    vi.advanceTimersToNextTimer()
    expect(Date.now()).toBe(answeredAt + INTERVAL + 1)
    expect(counts.pings).toBe(1)
    expect(counts.idle).toBe(0)
    l.stop()
  })
})
