import { TransportCode, TransportError } from '@kp/core'

/** Frame types the listener routes by (PROTOCOL.md 3). @internal */
export const HELLO = 1
/** @internal */
export const FINISH = 3
/** @internal */
export const RECORD = 4
/** @internal */
export const ARQ = 7

/** What the table needs of a transport: a way to end it. */
export interface Closable {
  close(error?: Error): void
}

/** Counters of datagrams the routing dropped (a subset of the listener's stats). */
export interface RoutingStats {
  /** Datagrams from an address with no session that were not a HELLO. */
  foreignDatagrams: number
  /** Datagrams from a known address whose type a client never sends (2, 5, 6, 0, 8..255, or empty). */
  unexpectedDatagrams: number
  /**
   * HELLOs dropped because a limit was reached: pending handshakes overall, transports overall,
   * or pending handshakes of that one address.
   */
  droppedHellos: number
  /** Repeats of the HELLO that started an already established session (late duplicates, replays). */
  staleHellos: number
}

/** One transport in the table, with the HELLO that started it. @internal */
export interface Slot<T extends Closable> {
  readonly key: string
  readonly transport: T
  /** Copy of the HELLO that started this handshake (256 bytes). */
  readonly hello: Uint8Array
  established: boolean
  inTable: boolean
}

interface Entry<T extends Closable> {
  /** The address's session (established, or the first handshake still in progress). */
  current: Slot<T>
  /** Newer handshakes from the same address, beside `current` (PROTOCOL.md 8), oldest first. */
  pending: Slot<T>[]
}

/** Returned by {@link AddressTable.route}: create a transport for this HELLO and {@link AddressTable.add} it. */
export const NEW: unique symbol = Symbol('new transport')

/** Where {@link AddressTable.route} sends a datagram: one transport, several (a FINISH), {@link NEW}, or nowhere (null). */
export type Route<T> = T | readonly T[] | typeof NEW | null

/** Limits of an {@link AddressTable}. */
export interface AddressTableLimits {
  /** Handshakes in progress overall (transports that have not called `established()`). */
  maxPending: number
  /** Transports overall, established or not. */
  maxTransports: number
  /** Handshakes beside an address's session; a HELLO beyond it is dropped (the older ones are kept). */
  maxPendingPerAddress: number
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * The demultiplexing of one server socket (PROTOCOL.md 3 and 8): which transport, if any, gets
 * a datagram from a given source address, decided by the frame's first byte.
 *
 * - Unknown address: a HELLO makes a new transport ({@link NEW}); anything else is dropped.
 * - RECORD and ARQ go to the address's current transport.
 * - FINISH goes to the current transport and to every pending handshake of the address: the
 *   one whose keys open it proceeds, the others drop it (core drops a FINISH that does not
 *   decrypt on datagrams; an established session answers a repeat of its own FINISH with its
 *   READY again). So a HELLO spoofed from the victim's address between its HELLO and its FINISH
 *   cannot take the FINISH away.
 * - A HELLO byte-identical to the one that started a handshake still in progress goes to that
 *   transport (core answers it with its cached WELCOME); one that repeats the HELLO of an
 *   established session is dropped; a different HELLO starts a pending handshake beside the
 *   current one, at most `maxPendingPerAddress` of them (beyond, it is dropped and the older
 *   ones are kept: a flood of spoofed HELLOs cannot push out the real one). A pending transport
 *   takes over only when it calls `established()`; until then a spoofed HELLO cannot end a session.
 *
 * Pure bookkeeping over fake or real transports, so it is unit-tested without sockets.
 * @internal
 */
export class AddressTable<T extends Closable> {
  private readonly entries = new Map<string, Entry<T>>()
  private pendingCount = 0
  private transportCount = 0

  constructor(
    private readonly limits: AddressTableLimits,
    readonly stats: RoutingStats = { foreignDatagrams: 0, unexpectedDatagrams: 0, droppedHellos: 0, staleHellos: 0 },
  ) {}

  /** Transports in the table (established or not). */
  get size(): number {
    return this.transportCount
  }

  /** Handshakes in progress. */
  get pending(): number {
    return this.pendingCount
  }

  /** Addresses with at least one transport. */
  get addresses(): number {
    return this.entries.size
  }

  /** Where a datagram goes (see {@link Route}); null drops it (counted). */
  route(key: string, datagram: Uint8Array): Route<T> {
    const type = datagram.length === 0 ? -1 : datagram[0]
    const entry = this.entries.get(key)
    if (entry === undefined) {
      if (type === HELLO) return this.canCreate()
      this.stats.foreignDatagrams++
      return null
    }
    switch (type) {
      case RECORD:
      case ARQ:
        return entry.current.transport
      case FINISH:
        return finishTargets(entry)
      case HELLO: {
        for (const p of entry.pending) if (sameBytes(datagram, p.hello)) return p.transport
        const current = entry.current
        if (sameBytes(datagram, current.hello)) {
          if (!current.established) return current.transport
          this.stats.staleHellos++
          return null
        }
        if (entry.pending.length >= this.limits.maxPendingPerAddress) {
          this.stats.droppedHellos++
          return null
        }
        return this.canCreate()
      }
      default:
        this.stats.unexpectedDatagrams++
        return null
    }
  }

  private canCreate(): typeof NEW | null {
    if (this.pendingCount < this.limits.maxPending && this.transportCount < this.limits.maxTransports) return NEW
    this.stats.droppedHellos++
    return null
  }

  /**
   * Enters a transport made for `hello` (after {@link route} returned {@link NEW}): the address's
   * current transport if it had none, else one more pending one.
   */
  add(key: string, hello: Uint8Array, transport: T): Slot<T> {
    const slot: Slot<T> = { key, transport, hello: hello.slice(), established: false, inTable: true }
    this.pendingCount++
    this.transportCount++
    const entry = this.entries.get(key)
    if (entry === undefined) this.entries.set(key, { current: slot, pending: [] })
    else entry.pending.push(slot)
    return slot
  }

  /**
   * The handshake on `slot` completed. A pending transport becomes the address's transport and
   * the one it replaces is closed with a `TransportError` (code `kp.Replaced`); the other
   * pending handshakes of the address stay (they end by core's handshake timeout).
   */
  established(slot: Slot<T>): void {
    if (!slot.inTable || slot.established) return
    slot.established = true
    this.pendingCount--
    const entry = this.entries.get(slot.key)
    if (entry === undefined) return
    const i = entry.pending.indexOf(slot)
    if (i < 0) return
    entry.pending.splice(i, 1)
    const old = entry.current
    entry.current = slot
    this.detach(old)
    old.transport.close(new TransportError(`session from ${slot.key} replaced by a new handshake from the same address`, { code: TransportCode.Replaced }))
  }

  /** Takes a closed transport out of the table (no-op if already out). */
  remove(slot: Slot<T>): void {
    if (!slot.inTable) return
    this.detach(slot)
    const entry = this.entries.get(slot.key)
    if (entry === undefined) return
    const i = entry.pending.indexOf(slot)
    if (i >= 0) entry.pending.splice(i, 1)
    else if (entry.current === slot) {
      const next = entry.pending.shift()
      if (next !== undefined) entry.current = next
      else this.entries.delete(slot.key)
    }
  }

  private detach(slot: Slot<T>): void {
    slot.inTable = false
    this.transportCount--
    if (!slot.established) this.pendingCount--
  }

  /** Every transport in the table (for closing them all). */
  *transports(): IterableIterator<T> {
    for (const e of this.entries.values()) {
      yield e.current.transport
      for (const p of e.pending) yield p.transport
    }
  }
}

/**
 * The current transport and every pending handshake of `entry`: a FINISH that opens for none of
 * them is dropped by each, and an established session answers a repeat of its own FINISH (its
 * READY was lost) even while a spoofed HELLO waits beside it.
 */
function finishTargets<T extends Closable>(entry: Entry<T>): Route<T> {
  if (entry.pending.length === 0) return entry.current.transport
  return [entry.current.transport, ...entry.pending.map((p) => p.transport)]
}
