/** Most functions {@link scheduleTurn} runs before the event loop gets a turn. @internal */
export const TURN_SLICE = 512

/**
 * Runs `fn` once the current turn of the event loop is done, so messages queued during one turn
 * go out in one record (PROTOCOL.md 6). One run for every function queued in a turn (not one
 * per session: at 10 000 sessions each sending once a second, the per-session Immediate was a
 * measurable part of a call). Node: the run is a microtask, queued behind whatever the task
 * that queued `fn` already set going (measured on sequential TCP calls: 153 against 180 µs
 * median with a `setImmediate` per turn, and no fewer pipelined calls/s, since the transports
 * write a tick's frames together); what is queued while a run is going (a stream that refills)
 * waits for a `setImmediate`, so runs never chain without the event loop getting a turn.
 * Browsers: one MessageChannel task per turn (setTimeout(0) would add a 4 ms clamp under load).
 * Stream items use {@link scheduleTurnEnd}. Functions run in the order queued; one that throws does not keep the others from running
 * (its error is rethrown afterwards). At most {@link TURN_SLICE} run in one go: a broadcast
 * that flushes 50 000 sessions lets the event loop read its sockets between slices (else the
 * kernel drops the datagrams that arrive meanwhile).
 */
export const scheduleTurn: (fn: () => void) => void = makeScheduler(true)

/**
 * Like {@link scheduleTurn}, but always at the end of the event loop's turn (`setImmediate` in
 * Node), never as a microtask: for stream items, which a producer hands over across several
 * microtasks (each `yield` of an async generator is one) and which should leave in one record
 * (measured: a microtask flush sent one item per record, 80k items/s against 375k).
 */
export const scheduleTurnEnd: (fn: () => void) => void = makeScheduler(false)

function makeScheduler(microtaskFirst: boolean): (fn: () => void) => void {
  const g = globalThis as { setImmediate?: (fn: () => void) => unknown }
  let post: ((run: () => void) => void) | null = null
  if (typeof g.setImmediate === 'function') {
    const si = g.setImmediate
    post = (run) => {
      si(run)
    }
  } else if (typeof MessageChannel === 'function') {
    const channel = new MessageChannel()
    let runner: (() => void) | null = null
    channel.port1.onmessage = () => runner?.()
    post = (run) => {
      runner = run
      channel.port2.postMessage(0)
    }
  }
  if (post === null) {
    return (fn) => {
      setTimeout(fn, 0)
    }
  }
  const start = post
  const micro = microtaskFirst && typeof g.setImmediate === 'function' && typeof queueMicrotask === 'function'
  let queue: (() => void)[] = []
  let running = false
  const run = () => {
    running = true
    const batch = queue
    queue = []
    const n = Math.min(batch.length, TURN_SLICE)
    let failure: { error: unknown } | null = null
    for (let i = 0; i < n; i++) {
      try {
        batch[i]!()
      } catch (error) {
        failure ??= { error }
      }
    }
    if (n < batch.length) {
      // the rest goes first in the next slice, after the event loop had a turn
      const started = queue.length > 0
      queue = queue.length > 0 ? batch.slice(n).concat(queue) : batch.slice(n)
      if (!started) start(run)
    }
    running = false
    if (failure !== null) {
      const { error } = failure
      queueMicrotask(() => {
        throw error
      })
    }
  }
  return (fn) => {
    if (queue.push(fn) === 1) {
      if (micro && !running) queueMicrotask(run)
      else start(run)
    }
  }
}
