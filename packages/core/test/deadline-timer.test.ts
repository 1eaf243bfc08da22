import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DeadlineTimer } from '../src/util/deadline-timer.js'

describe('DeadlineTimer', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }))
  afterEach(() => vi.useRealTimers())

  /** Deadlines kept like a call table: due() removes those due, returns the earliest left. */
  function table() {
    const deadlines = new Set<number>()
    const fired: Array<[number, number]> = []
    const timer = new DeadlineTimer((now) => {
      let next = Number.POSITIVE_INFINITY
      for (const d of deadlines) {
        if (d <= now) {
          deadlines.delete(d)
          fired.push([d, now])
        } else next = Math.min(next, d)
      }
      return next
    })
    const add = (inMs: number) => {
      const at = Date.now() + inMs
      deadlines.add(at)
      timer.add(at)
    }
    return { timer, add, fired, deadlines }
  }

  it('fires each deadline when it is due, in any order of adding, with one timer', () => {
    const { add, fired } = table()
    add(300)
    add(100) // earlier than the armed one: re-armed
    add(200) // later: nothing to do until the first fires
    expect(vi.getTimerCount()).toBe(1)
    vi.advanceTimersByTime(99)
    expect(fired).toEqual([])
    vi.advanceTimersByTime(1)
    expect(fired.map(([d, now]) => now - d)).toEqual([0])
    vi.advanceTimersByTime(100)
    vi.advanceTimersByTime(100)
    expect(fired.map(([d, now]) => now - d)).toEqual([0, 0, 0])
    expect(vi.getTimerCount()).toBe(0) // nothing left: not armed again
  })

  it('a deadline that was removed costs one early wake-up, then the timer follows the next', () => {
    const { add, fired, deadlines } = table()
    add(100)
    add(500)
    deadlines.delete([...deadlines][0]!) // the 100 ms one settled (its call was answered)
    vi.advanceTimersByTime(100)
    expect(fired).toEqual([])
    expect(vi.getTimerCount()).toBe(1)
    vi.advanceTimersByTime(400)
    expect(fired).toHaveLength(1)
  })

  it('stop() forgets everything; idle() keeps the deadline armed', () => {
    const { timer, add, fired } = table()
    add(100)
    timer.idle()
    vi.advanceTimersByTime(100)
    expect(fired).toHaveLength(1) // idle only stops keeping the process alive
    add(100)
    timer.stop()
    vi.advanceTimersByTime(1000)
    expect(fired).toHaveLength(1)
    expect(vi.getTimerCount()).toBe(0)
  })
})

describe('DeadlineTimer with only setTimeout faked', () => {
  afterEach(() => vi.useRealTimers())
  // Date.now() is mocked in both: a real clock can move between two reads on a loaded machine
  it.each([
    {
      what: 'a deadline is due when its timer fires, even where Date.now() did not move',
      clock: () => () => 1_000_000,
      withTimeout: false,
    },
    {
      what: 'waits exactly the given time even when the clock ticks between computing the deadline and adding it',
      clock: () => {
        let t = 5_000
        return () => t++ // every read moves the clock 1 ms
      },
      withTimeout: true,
    },
  ])('$what', ({ clock, withTimeout }) => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const now = vi.spyOn(Date, 'now').mockImplementation(clock())
    try {
      const fired: number[] = []
      const at = Date.now() + 10_000
      const timer = new DeadlineTimer((n) => {
        if (at <= n) fired.push(n)
        return at <= n ? Number.POSITIVE_INFINITY : at
      })
      if (withTimeout) timer.add(at, 10_000)
      else timer.add(at)
      vi.advanceTimersByTime(9_999)
      expect(fired).toEqual([])
      vi.advanceTimersByTime(1)
      expect(fired).toHaveLength(1)
    } finally {
      now.mockRestore()
    }
  })
})
