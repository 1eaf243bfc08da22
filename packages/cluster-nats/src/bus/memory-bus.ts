import { ClusterClosedError } from '../errors/cluster-closed-error.js'
import { MessageTooLargeError } from '@kp/core'
import { type BusEvent, type BusHandler, type BusSubscription, type ClusterBus, checkSubject } from './cluster-bus.js'

/** Options of {@link MemoryBusHub}. */
export interface MemoryBusOptions {
  /** Largest payload in bytes (default 1 MiB, NATS's default `max_payload`). */
  maxPayload?: number
}

interface Sub {
  bus: MemoryBus
  handler: BusHandler
  active: boolean
}

/**
 * An in-process message engine: each {@link MemoryBusHub.connect} is one node's bus. Delivery is
 * asynchronous (a microtask after `publish`), in publish order, never back to the publishing
 * bus, like NATS with `noEcho`. For tests and for several servers in one process.
 * @example
 * const hub = new MemoryBusHub()
 * const a = await createCluster(serverA, hub.connect())
 * const b = await createCluster(serverB, hub.connect())
 */
export class MemoryBusHub {
  /** Largest payload in bytes. */
  readonly maxPayload: number
  private readonly subjects = new Map<string, Set<Sub>>()
  /** Messages delivered so far (all subscribers). */
  delivered = 0

  constructor(options: MemoryBusOptions = {}) {
    const max = options.maxPayload ?? 1 << 20
    if (!Number.isInteger(max) || max < 256 || max > 64 << 20) throw new RangeError(`"maxPayload" expected an integer in 256..${64 << 20}, got ${max}`)
    this.maxPayload = max
  }

  /** A new bus (one node's connection) on this hub. */
  connect(): ClusterBus & { readonly closed: boolean } {
    return new MemoryBus(this)
  }

  /** Subscriptions on `subject` right now (for tests of interest-based subjects). */
  interest(subject: string): number {
    let n = 0
    for (const s of this.subjects.get(subject) ?? []) if (s.active) n++
    return n
  }

  /** @internal */
  add(subject: string, sub: Sub): void {
    let set = this.subjects.get(subject)
    if (!set) this.subjects.set(subject, (set = new Set()))
    set.add(sub)
  }

  /** @internal */
  remove(subject: string, sub: Sub): void {
    const set = this.subjects.get(subject)
    if (!set) return
    set.delete(sub)
    if (set.size === 0) this.subjects.delete(subject)
  }

  /** @internal */
  deliver(from: MemoryBus, subject: string, payload: Uint8Array): void {
    const set = this.subjects.get(subject)
    if (!set) return
    const data = payload.slice()
    const targets = [...set].filter((s) => s.bus !== from)
    if (targets.length === 0) return
    queueMicrotask(() => {
      for (const s of targets) {
        if (!s.active) continue
        this.delivered++
        try {
          s.handler(subject, data)
        } catch (e) {
          queueMicrotask(() => {
            throw e
          })
        }
      }
    })
  }
}

class MemoryBus implements ClusterBus {
  private readonly subs = new Map<Sub, string>()
  private readonly listeners = new Set<(e: BusEvent) => void>()
  closed = false

  constructor(private readonly hub: MemoryBusHub) {}

  get maxPayload(): number {
    return this.hub.maxPayload
  }

  publish(subject: string, payload: Uint8Array): void {
    if (this.closed) throw new ClusterClosedError('the bus is closed')
    if (payload.length > this.hub.maxPayload) throw new MessageTooLargeError(payload.length, this.hub.maxPayload, 'bus payload')
    this.hub.deliver(this, subject, payload)
  }

  subscribe(subject: string, handler: BusHandler): BusSubscription {
    checkSubject(subject)
    if (this.closed) throw new ClusterClosedError('the bus is closed')
    const sub: Sub = { bus: this, handler, active: true }
    this.subs.set(sub, subject)
    this.hub.add(subject, sub)
    return {
      unsubscribe: () => {
        if (!sub.active) return
        sub.active = false
        this.subs.delete(sub)
        this.hub.remove(subject, sub)
      },
    }
  }

  flush(): Promise<void> {
    // delivery is a microtask queued at publish: this one runs after every earlier one
    return new Promise((resolve) => queueMicrotask(resolve))
  }

  onEvent(listener: (e: BusEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const [sub, subject] of this.subs) {
      sub.active = false
      this.hub.remove(subject, sub)
    }
    this.subs.clear()
    for (const l of [...this.listeners]) l({ type: 'closed' })
  }
}
