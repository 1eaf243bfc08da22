import { AbortedError } from '../errors/aborted-error.js'
import { TimeoutError } from '../errors/timeout-error.js'
import type { Session } from '../rpc/session.js'

interface Waiter {
  resolve(s: Session<unknown>): void
  reject(e: Error): void
  /** A call may go out right after FINISH on reliable transports; `ready()` waits for READY. */
  early: boolean
  timer: ReturnType<typeof setTimeout> | undefined
  signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
}

/**
 * Calls and `ready()`s waiting for a connection, each with its own deadline and abort signal, so
 * nothing waits for ever: a timeout says why no connection came (`explain`). @internal
 */
export class ConnectionWaiters {
  private waiters: Waiter[] = []

  /** @param explain why there is no connection yet, for timeout messages, and the last connect error */
  constructor(private readonly explain: () => { detail: string; cause: Error | undefined }) {}

  get size(): number {
    return this.waiters.length
  }

  /** Waits for a session; rejects with TimeoutError after `timeoutMs` (0: never) or AbortedError. */
  wait<S>(what: string, early: boolean, timeoutMs: number, signal: AbortSignal | undefined): Promise<Session<S>> {
    if (signal?.aborted) return Promise.reject(new AbortedError(what, { cause: signal.reason }))
    return new Promise<Session<S>>((resolve, reject) => {
      const w: Waiter = { resolve: resolve as (s: Session<unknown>) => void, reject, early, timer: undefined, signal, onAbort: undefined }
      if (timeoutMs > 0) {
        w.timer = setTimeout(() => {
          this.remove(w)
          const { detail, cause } = this.explain()
          reject(new TimeoutError(what, timeoutMs, { detail, cause }))
        }, timeoutMs)
      }
      if (signal) {
        w.onAbort = () => {
          this.remove(w)
          reject(new AbortedError(what, { cause: signal.reason }))
        }
        signal.addEventListener('abort', w.onAbort, { once: true })
      }
      this.waiters.push(w)
    })
  }

  /** Hands `session` to every waiter (only the early ones when `earlyOnly`). */
  release(session: Session<unknown>, earlyOnly: boolean): void {
    const go = earlyOnly ? this.waiters.filter((w) => w.early) : this.waiters
    this.waiters = earlyOnly ? this.waiters.filter((w) => !w.early) : []
    for (const w of go) {
      this.clear(w)
      w.resolve(session)
    }
  }

  /** Fails every waiter with `error`. */
  failAll(error: Error): void {
    const ws = this.waiters
    this.waiters = []
    for (const w of ws) {
      this.clear(w)
      w.reject(error)
    }
  }

  private remove(w: Waiter): void {
    const i = this.waiters.indexOf(w)
    if (i >= 0) this.waiters.splice(i, 1)
    this.clear(w)
  }

  private clear(w: Waiter): void {
    if (w.timer) clearTimeout(w.timer)
    if (w.onAbort) w.signal!.removeEventListener('abort', w.onAbort)
  }
}
