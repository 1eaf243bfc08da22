import { T, type Message, stringBound } from './wire/messages.js'
import { PresenceTable, type RemoteNode } from './presence-table.js'

/** What {@link PresenceSync} needs from the cluster. @internal */
export interface PresenceHost {
  /** Sends a message; false (counted, logged by the host) when the bus refused it. */
  trySend(subject: string, m: Message): boolean
  nodeSubject(id: string): string
  readonly presenceSubject: string
  /** Target keys held on this node. */
  localKeys(): Iterable<string>
  readonly localCount: number
  /** Largest message body, bytes. */
  readonly bodyLimit: number
  nodeUp(n: RemoteNode): void
  nodeDown(n: RemoteNode, reason: string): void
  now(): number
}

/** @internal */
export interface PresenceSyncOptions {
  name: string
  heartbeatMs: number
  nodeTimeoutMs: number
  maxNodes: number
  maxPresence: number
}

/**
 * Keeps the presence table in step with the other nodes, and them with this one:
 * - this node's changes go out as numbered deltas, batched per event-loop turn;
 * - a heartbeat every `heartbeatMs` carries the last number: a node that missed a delta sees the
 *   gap and asks for a snapshot (all entries, in parts), as does a node that sees a new node;
 * - a new node says hello and every node sends it a snapshot;
 * - a node not heard from for `nodeTimeoutMs` is forgotten with its entries (checked at every
 *   heartbeat, so within `nodeTimeoutMs + heartbeatMs`); one that says goodbye, at once.
 * @internal
 */
export class PresenceSync {
  readonly table: PresenceTable
  /** Number of the last delta or snapshot this node sent. */
  seq = 0
  private readonly pending = new Map<string, boolean>()
  private scheduled: ReturnType<typeof setTimeout> | null = null
  private snapshots = 0
  /** Nodes (ids) that went over `maxNodes`, counted once per heartbeat. */
  nodesRefused = 0

  constructor(
    private readonly host: PresenceHost,
    private readonly o: PresenceSyncOptions,
  ) {
    this.table = new PresenceTable(o.maxNodes, o.maxPresence)
  }

  // ------------------------------------------------------------------ this node's changes

  /** A key appeared on (present) or left (absent) this node. */
  note(key: string, present: boolean): void {
    const before = this.pending.get(key)
    // the opposite change still pending: the two cancel out, the others knew the state before
    if (before === !present) this.pending.delete(key)
    else this.pending.set(key, present)
    if (this.scheduled === null && this.pending.size > 0) this.scheduled = setTimeout(() => this.flush(), 0)
  }

  /** Sends pending changes now, as numbered deltas that each fit a payload. */
  flush(): void {
    if (this.scheduled !== null) {
      clearTimeout(this.scheduled)
      this.scheduled = null
    }
    if (this.pending.size === 0) return
    const adds: string[] = []
    const removes: string[] = []
    let size = 16
    const out = () => {
      this.seq++
      this.host.trySend(this.host.presenceSubject, { t: T.Delta, seq: this.seq, adds: adds.splice(0), removes: removes.splice(0) })
      size = 16
    }
    for (const [key, present] of this.pending) {
      const b = stringBound(key)
      if (size + b > this.host.bodyLimit) out()
      ;(present ? adds : removes).push(key)
      size += b
    }
    this.pending.clear()
    out()
  }

  /** Sends every local key to one node, in parts. */
  sendSnapshot(to: string): void {
    this.flush()
    const subject = this.host.nodeSubject(to)
    const snap = ++this.snapshots
    let part = 0
    let keys: string[] = []
    let size = 32
    for (const key of this.host.localKeys()) {
      const b = stringBound(key)
      if (size + b > this.host.bodyLimit) {
        if (!this.host.trySend(subject, { t: T.Snapshot, name: this.o.name, seq: this.seq, snap, part: part++, last: false, keys })) return
        keys = []
        size = 32
      }
      keys.push(key)
      size += b
    }
    this.host.trySend(subject, { t: T.Snapshot, name: this.o.name, seq: this.seq, snap, part, last: true, keys })
  }

  hello(): void {
    this.flush()
    this.host.trySend(this.host.presenceSubject, { t: T.Hello, name: this.o.name, seq: this.seq, count: this.host.localCount })
  }

  bye(): void {
    this.flush()
    this.host.trySend(this.host.presenceSubject, { t: T.Bye })
  }

  /** The heartbeat: says this node is alive, then forgets nodes that are not. */
  tick(): void {
    this.flush()
    this.host.trySend(this.host.presenceSubject, { t: T.Heartbeat, name: this.o.name, seq: this.seq, count: this.host.localCount })
    const deadline = this.host.now() - this.o.nodeTimeoutMs
    for (const n of [...this.table.nodes.values()]) {
      if (n.lastSeen < deadline) this.forget(n, `no heartbeat for ${this.o.nodeTimeoutMs} ms`)
    }
  }

  /** Stops the batching timer (the cluster is closing). */
  stop(): void {
    if (this.scheduled !== null) clearTimeout(this.scheduled)
    this.scheduled = null
    this.pending.clear()
  }

  // ------------------------------------------------------------------ the other nodes

  /** A message on the presence subject. */
  onPresence(from: string, m: Message): void {
    if (m.t === T.Bye) {
      const n = this.table.nodes.get(from)
      if (n) this.forget(n, 'it left')
      return
    }
    const n = this.seen(from, m.t === T.Heartbeat || m.t === T.Hello ? m.name : undefined)
    if (!n) return
    switch (m.t) {
      case T.Hello:
        this.sendSnapshot(from)
        if (n.seq !== m.seq) this.askSync(n, true)
        return
      case T.Heartbeat:
        if (n.seq !== m.seq) this.askSync(n, false)
        return
      case T.Delta:
        if (n.syncing) return // the snapshot on its way includes this change
        if (m.seq <= n.seq) return // a repeat
        if (m.seq !== n.seq + 1) {
          this.askSync(n, true)
          return
        }
        for (const k of m.removes) this.table.remove(n, k)
        for (const k of m.adds) this.table.add(n, k)
        n.seq = m.seq
        return
    }
  }

  /** A snapshot part sent to this node. */
  onSnapshot(from: string, m: Extract<Message, { t: typeof T.Snapshot }>): void {
    const n = this.seen(from, m.name)
    if (!n) return
    if (m.part === 0) {
      this.table.clear(n)
      n.snapshot = { snap: m.snap, next: 0, seq: m.seq }
    }
    const s = n.snapshot
    if (!s || s.snap !== m.snap || s.next !== m.part) return // a part of an older snapshot, or one lost: the heartbeat asks again
    s.next++
    n.syncAskedAt = this.host.now() // progress: do not ask again while parts arrive
    for (const k of m.keys) this.table.add(n, k)
    if (m.last) {
      n.seq = s.seq
      n.snapshot = null
    }
  }

  /** A node that comes back after its bus reconnected: everything may have been missed. */
  forgetAll(reason: string): void {
    for (const n of [...this.table.nodes.values()]) this.forget(n, reason)
  }

  private seen(from: string, name: string | undefined): RemoteNode | null {
    const now = this.host.now()
    const known = this.table.nodes.get(from)
    if (known) {
      known.lastSeen = now
      if (name !== undefined) known.name = name
      return known
    }
    const n = this.table.node(from, now)
    if (!n) {
      this.nodesRefused++
      return null
    }
    if (name !== undefined) n.name = name
    this.host.nodeUp(n)
    return n
  }

  /** Asks `n` for a snapshot, at most once per heartbeat interval unless `now`. */
  private askSync(n: RemoteNode, urgent: boolean): void {
    const now = this.host.now()
    if (!urgent && now - n.syncAskedAt < 2 * this.o.heartbeatMs) return
    if (urgent && now - n.syncAskedAt < this.o.heartbeatMs / 2) return
    n.syncAskedAt = now
    this.host.trySend(this.host.nodeSubject(n.id), { t: T.Sync })
  }

  private forget(n: RemoteNode, reason: string): void {
    this.table.drop(n)
    this.host.nodeDown(n, reason)
  }
}
