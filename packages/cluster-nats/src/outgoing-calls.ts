import { AbortedError, type Command, KiloError, TimeoutError } from '@kp/core'
import { ClusterLimitError } from './errors/cluster-limit-error.js'
import { type WireError, wireToError } from './error-wire.js'

interface Pending {
  resolve(value: unknown): void
  reject(e: Error): void
  command: Command<unknown, unknown>
  /** The node the call went to (hex id): only it may answer. */
  node: string
  target: string
  timeoutMs: number
  timer: ReturnType<typeof setTimeout>
  signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
}

/**
 * This node's calls waiting for another node's answer: ids, the `maxPendingCalls` bound,
 * timeouts, aborts (the other node is sent a cancel) and matching answers to callers. @internal
 */
export class OutgoingCalls {
  private readonly pending = new Map<number, Pending>()
  private nextId = 1

  constructor(
    private readonly maxPending: number,
    private readonly cancel: (node: string, id: number) => void,
  ) {}

  get size(): number {
    return this.pending.size
  }

  /**
   * Registers a call and runs `send(id)`; the promise settles with the answer, a timeout, an
   * abort, or the error `send` threw.
   */
  start<R>(
    command: Command<unknown, R>,
    node: string,
    target: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    send: (id: number) => void,
  ): Promise<R> {
    if (this.pending.size >= this.maxPending) {
      return Promise.reject(
        new ClusterLimitError(
          'maxPendingCalls',
          `${this.pending.size} remote calls are waiting for an answer (maxPendingCalls): call '${command.name}' was not sent`,
        ),
      )
    }
    if (signal?.aborted) return Promise.reject(new AbortedError(`call '${command.name}'`, { cause: signal.reason }))
    const id = this.nextId
    this.nextId = this.nextId >= 2 ** 52 ? 1 : this.nextId + 1
    return new Promise<R>((resolve, reject) => {
      const p: Pending = {
        resolve: resolve as (v: unknown) => void,
        reject,
        command: command as Command<unknown, unknown>,
        node,
        target,
        timeoutMs,
        timer: setTimeout(() => this.abandon(id, new TimeoutError(`call '${command.name}' to ${target}`, timeoutMs)), timeoutMs),
        signal,
        onAbort: undefined,
      }
      if (signal) {
        p.onAbort = () => this.abandon(id, new AbortedError(`call '${command.name}'`, { cause: signal.reason }))
        signal.addEventListener('abort', p.onAbort, { once: true })
      }
      this.pending.set(id, p)
      try {
        send(id)
      } catch (e) {
        this.settle(id, p)
        reject(e)
      }
    })
  }

  /** A result from `from`. */
  onResult(from: string, id: number, value: Uint8Array): void {
    const p = this.pending.get(id)
    if (!p || p.node !== from) return
    this.settle(id, p)
    let decoded: unknown
    try {
      decoded = p.command.result.decode(value)
    } catch (e) {
      p.reject(new KiloError('kp.BadResult', `result of '${p.command.name}' does not decode: ${(e as Error).message}`, { cause: e }))
      return
    }
    p.resolve(decoded)
  }

  /** An error answer from `from`. */
  onError(from: string, id: number, w: WireError): void {
    const p = this.pending.get(id)
    if (!p || p.node !== from) return
    this.settle(id, p)
    p.reject(wireToError(w, p.target, p.timeoutMs, `call '${p.command.name}' to ${p.target}`))
  }

  /** Fails every call to `node` (it left) or, with null, every call (closing). */
  failAll(node: string | null, error: () => Error): void {
    for (const [id, p] of [...this.pending]) {
      if (node !== null && p.node !== node) continue
      this.settle(id, p)
      p.reject(error())
    }
  }

  private abandon(id: number, e: Error): void {
    const p = this.pending.get(id)
    if (!p) return
    this.settle(id, p)
    this.cancel(p.node, id)
    p.reject(e)
  }

  private settle(id: number, p: Pending): void {
    this.pending.delete(id)
    clearTimeout(p.timer)
    if (p.signal && p.onAbort) p.signal.removeEventListener('abort', p.onAbort)
  }
}
