/**
 * Runs `fn` once the current turn of the event loop is done, so messages queued during one turn
 * go out in one record (PROTOCOL.md 6). Node: setImmediate; browsers: a MessageChannel task
 * (setTimeout(0) would add a 4 ms clamp under load).
 */
export const scheduleTurn: (fn: () => void) => void = makeScheduler()

function makeScheduler(): (fn: () => void) => void {
  const g = globalThis as { setImmediate?: (fn: () => void) => unknown }
  if (typeof g.setImmediate === 'function') {
    const si = g.setImmediate
    return (fn) => {
      si(fn)
    }
  }
  if (typeof MessageChannel === 'function') {
    const queue: (() => void)[] = []
    const channel = new MessageChannel()
    channel.port1.onmessage = () => {
      const batch = queue.splice(0)
      for (const f of batch) f()
    }
    return (fn) => {
      queue.push(fn)
      if (queue.length === 1) channel.port2.postMessage(0)
    }
  }
  return (fn) => {
    setTimeout(fn, 0)
  }
}
