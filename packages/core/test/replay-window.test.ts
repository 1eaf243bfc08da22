import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ReplayWindow } from '../src/record/replay-window.js'

describe('ReplayWindow', () => {
  it('accepts each counter once, in any order inside the window', () => {
    const w = new ReplayWindow(1024)
    for (const c of [5, 3, 4, 0, 1, 2, 1000, 6]) {
      expect(w.check(c)).toBe(true)
      w.accept(c)
      expect(w.check(c)).toBe(false)
    }
  })

  it('drops counters older than the window', () => {
    const w = new ReplayWindow(1024)
    w.accept(0)
    w.accept(2000)
    expect(w.check(2000 - 1024)).toBe(false)
    expect(w.check(2000 - 1023)).toBe(true)
  })

  it('matches a set model for random sequences', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(5000), { maxLength: 400 }), (counters) => {
        const w = new ReplayWindow(1024)
        const seen = new Set<number>()
        let top = -1
        for (const c of counters) {
          const expected = !seen.has(c) && !(top >= 0 && top - c >= 1024)
          expect(w.check(c)).toBe(expected)
          if (expected) {
            w.accept(c)
            seen.add(c)
            top = Math.max(top, c)
          }
        }
      }),
    )
  })
})
