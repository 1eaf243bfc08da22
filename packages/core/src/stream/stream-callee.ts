import { IncomingCall } from '../rpc/call-context.js'
import { errorToWire } from '../rpc/error-mapping.js'
import { iteratorOf } from './sources.js'
import { isPromiseLike } from '../util/is-promise-like.js'
import { sendFail, sendResult } from './stream-replies.js'
import type { StreamOwner, StreamState } from './stream-state.js'

/** Runs the callee's handler of a stream the peer opened (its items, or a sink's answer). @internal */
export function startHandler(t: StreamOwner, s: StreamState, args: unknown, handler: (...a: never[]) => unknown): void {
  const ctx = new IncomingCall<unknown>(t.host.context)
  s.ctx = ctx
  s.running = true
  const call = handler as unknown as (...a: unknown[]) => unknown
  if (s.def.shape === 'sink') {
    t.writeCredit(s, s.rx!.initialCredit())
    let r: unknown
    try {
      r = call(args, s.rx, ctx)
    } catch (e) {
      return answered(t, s, undefined, e)
    }
    if (isPromiseLike(r)) {
      r.then(
        (v) => answered(t, s, v, undefined),
        (e) => answered(t, s, undefined, e ?? new Error('rejected')),
      )
    } else answered(t, s, r, undefined)
    return
  }
  const tx = s.tx!
  try {
    if (s.rx) t.writeCredit(s, s.rx.initialCredit())
    const r = s.rx ? call(args, s.rx, ctx) : call(args, ctx)
    tx.attach(iteratorOf(r, `the handler of ${s.what}`))
  } catch (e) {
    tx.fail(e)
  }
}

/** A sink handler settled: STOP what it did not read, answer with END or FAIL. */
function answered(t: StreamOwner, s: StreamState, value: unknown, error: unknown): void {
  s.running = false
  if (s.rxOpen) s.rx!.stopReading()
  if (s.txOpen && !t.host.isClosed) {
    s.txOpen = false
    if (error !== undefined) {
      const w = errorToWire(error, s.def.name, t.peerLabel(), t.options.logger)
      sendFail(t.host, s.ref, w.code, w.message, w.data)
    } else sendResult(t.host, s, value, t.options.logger, t.peerLabel())
  }
  s.txOpen = false
  t.maybeRemove(s)
}
