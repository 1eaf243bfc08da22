import { ProtocolError } from '../errors/protocol-error.js'

/** One CALL or PUSH that waits to be handled; `args` is a copy, so no record stays pinned. */
interface Waiting {
  id: number
  name: string
  args: Uint8Array
}

/**
 * Incoming CALLs and PUSHes that cannot run yet: the connect hooks are still running, or (for
 * pushes, which have no answer to refuse with) the in-flight limit is reached. Bounded in count
 * and bytes; past either bound the peer is sending faster than this side agreed to handle, and
 * `add` throws a `ProtocolError` that ends the connection (never the process). @internal
 */
export class InboundBacklog {
  private readonly items: Waiting[] = []
  private head = 0
  private bytes = 0

  constructor(
    private readonly maxCount: number,
    private readonly maxBytes: number,
  ) {}

  get size(): number {
    return this.items.length - this.head
  }

  /** True if a message with these fields fits both bounds. */
  fits(name: string, args: Uint8Array): boolean {
    return this.size < this.maxCount && this.bytes + args.length + name.length <= this.maxBytes
  }

  /** Queues a copy of `args`; `id` is -1 for a PUSH. Throws `ProtocolError` past a bound. */
  add(id: number, name: string, args: Uint8Array, what: string): void {
    if (this.size >= this.maxCount) throw new ProtocolError(`more than ${this.maxCount} ${what} waiting`)
    const size = args.length + name.length
    if (this.bytes + size > this.maxBytes) throw new ProtocolError(`more than ${this.maxBytes} bytes of ${what} waiting`)
    this.bytes += size
    this.items.push({ id, name, args: args.slice() })
  }

  /** Takes the oldest waiting message, or undefined. */
  shift(): Waiting | undefined {
    if (this.head >= this.items.length) return undefined
    const w = this.items[this.head]!
    this.items[this.head++] = undefined as unknown as Waiting
    this.bytes -= w.args.length + w.name.length
    if (this.head === this.items.length) {
      this.items.length = 0
      this.head = 0
    }
    return w
  }

  /** Oldest waiting message without taking it. */
  peek(): Waiting | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined
  }

  /** Takes every waiting CALL out, in order, leaving the PUSHes (which wait for a slot) in theirs. */
  takeCalls(): Waiting[] {
    const calls: Waiting[] = []
    const rest: Waiting[] = []
    for (let i = this.head; i < this.items.length; i++) {
      const w = this.items[i]!
      if (w.id >= 0) {
        calls.push(w)
        this.bytes -= w.args.length + w.name.length
      } else rest.push(w)
    }
    this.items.length = 0
    this.head = 0
    this.items.push(...rest)
    return calls
  }

  clear(): void {
    this.items.length = 0
    this.head = 0
    this.bytes = 0
  }
}
