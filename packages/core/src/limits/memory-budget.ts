/**
 * A byte budget shared by many connections: what every transport buffers towards peers that do
 * not read, and what reassembly holds for messages not yet complete. A per-connection bound
 * stops one peer; this stops many peers together from pinning the process's memory.
 *
 * Users take and give back bytes; `take` refuses (returns false) instead of going over, and the
 * caller then closes the connection concerned with `TransportError` code `kp.MemoryBudget`.
 * Browser-safe, no timers.
 */
export class MemoryBudget {
  private usedBytes = 0
  private peakBytes = 0
  private refusals = 0

  /** @param limit bytes the holders may use together. */
  constructor(readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit <= 0) throw new RangeError(`"limit" expected a positive integer of bytes, got ${limit}`)
  }

  /** Bytes taken and not yet given back. */
  get used(): number {
    return this.usedBytes
  }

  /** Bytes still available. */
  get available(): number {
    return this.limit - this.usedBytes
  }

  /** Figures for logs and tests. */
  get stats(): { used: number; peak: number; limit: number; refusals: number } {
    return { used: this.usedBytes, peak: this.peakBytes, limit: this.limit, refusals: this.refusals }
  }

  /** Takes `bytes` if they fit; false (and nothing taken) when they would pass the limit. */
  take(bytes: number): boolean {
    if (this.usedBytes + bytes > this.limit) {
      this.refusals++
      return false
    }
    this.usedBytes += bytes
    if (this.usedBytes > this.peakBytes) this.peakBytes = this.usedBytes
    return true
  }

  /** Gives back bytes taken earlier. */
  give(bytes: number): void {
    this.usedBytes = Math.max(0, this.usedBytes - bytes)
  }
}

/** Default process-wide budget: 256 MiB for buffered output and reassembly together. */
export const DEFAULT_PROCESS_BUDGET_BYTES = 256 * 1024 * 1024

let processBudget: MemoryBudget | null = null

/**
 * The budget every transport and reassembly buffer of this process shares unless an option
 * names another. Created on first use with {@link DEFAULT_PROCESS_BUDGET_BYTES}.
 */
export function processMemoryBudget(): MemoryBudget {
  processBudget ??= new MemoryBudget(DEFAULT_PROCESS_BUDGET_BYTES)
  return processBudget
}

/**
 * Replaces the process-wide budget (call once at start-up, before serving). Holders that took
 * bytes from the previous budget give them back to it.
 */
export function setProcessMemoryBudget(limitBytes: number): MemoryBudget {
  processBudget = new MemoryBudget(limitBytes)
  return processBudget
}
