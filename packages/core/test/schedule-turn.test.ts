import { expect, it } from 'vitest'
import { scheduleTurn, scheduleTurnEnd, TURN_SLICE } from '../src/util/schedule-turn.js'

const turn = () => new Promise<void>((r) => setImmediate(r))

it('runs what one turn queued, in order, after the turn', async () => {
  const ran: number[] = []
  for (let i = 0; i < 5; i++) scheduleTurn(() => ran.push(i))
  expect(ran).toEqual([])
  await turn()
  await turn()
  expect(ran).toEqual([0, 1, 2, 3, 4])
})

it('gives the event loop a turn between slices of a long queue (a broadcast to many sessions)', async () => {
  const n = TURN_SLICE * 3 + 7
  const ran: number[] = []
  let seenAt = -1
  for (let i = 0; i < n; i++) {
    scheduleTurn(() => {
      // something the event loop queued while the first slice runs (a socket read, a timer)
      if (i === 0) setImmediate(() => (seenAt = ran.length))
      ran.push(i)
    })
  }
  // queued during a slice: runs after the functions already waiting
  scheduleTurn(() => scheduleTurn(() => ran.push(-1)))
  for (let k = 0; k < 10 && ran.length < n + 1; k++) await turn()
  expect(seenAt).toBe(TURN_SLICE)
  expect(ran.length).toBe(n + 1)
  expect(ran.slice(0, n)).toEqual(Array.from({ length: n }, (_, i) => i))
  expect(ran[n]).toBe(-1)
})

it('a function that throws does not stop the others; its error surfaces afterwards', async () => {
  const errors: unknown[] = []
  const listeners = process.listeners('uncaughtException')
  process.removeAllListeners('uncaughtException')
  process.on('uncaughtException', (e) => errors.push(e))
  try {
    const ran: string[] = []
    scheduleTurn(() => ran.push('a'))
    scheduleTurn(() => {
      throw new Error('boom')
    })
    scheduleTurn(() => ran.push('c'))
    await turn()
    await turn()
    expect(ran).toEqual(['a', 'c'])
    expect((errors[0] as Error)?.message).toBe('boom')
  } finally {
    process.removeAllListeners('uncaughtException')
    for (const l of listeners) process.on('uncaughtException', l)
  }
})

it('Node: runs at the end of the task that queued, behind the microtasks it already set going', async () => {
  const ran: string[] = []
  let immediate = false
  setImmediate(() => (immediate = true))
  scheduleTurn(() => ran.push(`flush (immediate ran: ${immediate})`))
  queueMicrotask(() => ran.push('microtask queued after'))
  ran.push('sync')
  await Promise.resolve()
  await Promise.resolve()
  expect(ran).toEqual(['sync', 'flush (immediate ran: false)', 'microtask queued after'])
})

it('what a run queues waits for a turn of the event loop (runs never chain as microtasks)', async () => {
  const ran: string[] = []
  let immediate = false
  scheduleTurn(() => {
    ran.push('first')
    setImmediate(() => (immediate = true))
    scheduleTurn(() => ran.push(`again (immediate ran: ${immediate})`))
  })
  await Promise.resolve()
  expect(ran).toEqual(['first'])
  await turn()
  await turn()
  expect(ran).toEqual(['first', 'again (immediate ran: true)'])
})

it('scheduleTurnEnd waits for the end of the event loop turn, also in Node', async () => {
  const ran: string[] = []
  scheduleTurnEnd(() => ran.push('end'))
  scheduleTurn(() => ran.push('micro'))
  await Promise.resolve()
  expect(ran).toEqual(['micro'])
  await turn()
  await turn()
  expect(ran).toEqual(['micro', 'end'])
})
