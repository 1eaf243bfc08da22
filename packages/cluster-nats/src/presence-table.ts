/** What this node knows about another node. */
export interface NodeInfo {
  /** The node's id: 32 hex digits, random per process start. */
  readonly id: string
  /** The name it gave (`createCluster`'s `name` option), for people. */
  readonly name: string
  /** When it was last heard from (`Date.now()`). */
  readonly lastSeen: number
  /** Targets (client keys and application keys) it holds, as far as this node knows. */
  readonly clients: number
  /** True while this node waits for its full list (after a gap in its numbered updates). */
  readonly syncing: boolean
}

/** A remote node's entry. @internal */
export class RemoteNode implements NodeInfo {
  name = ''
  lastSeen: number
  /** Last presence sequence number applied; -1 before the first snapshot. */
  seq = -1
  /** The snapshot being received: its id and the next part expected. */
  snapshot: { snap: number; next: number; seq: number } | null = null
  /** When a sync was last asked for (rate limit). */
  syncAskedAt = -Infinity
  readonly keys = new Set<string>()

  constructor(
    readonly id: string,
    now: number,
  ) {
    this.lastSeen = now
  }

  get clients(): number {
    return this.keys.size
  }

  get syncing(): boolean {
    return this.seq < 0 || this.snapshot !== null
  }
}

/**
 * The cluster-wide presence table as one node sees it: every other node and the targets it
 * holds, with a reverse index from target to nodes. Bounded: at most `maxNodes` nodes and
 * `maxEntries` entries in all; beyond, new entries are refused (counted). @internal
 */
export class PresenceTable {
  readonly nodes = new Map<string, RemoteNode>()
  /** target key → the node holding it, or several when a client is connected to several. */
  private readonly where = new Map<string, RemoteNode | RemoteNode[]>()
  private entries = 0
  /** Entries refused because the table was full. */
  refused = 0

  constructor(
    private readonly maxNodes: number,
    private readonly maxEntries: number,
  ) {}

  get size(): number {
    return this.entries
  }

  /** The node, created when new (null when `maxNodes` nodes are known already). */
  node(id: string, now: number): RemoteNode | null {
    let n = this.nodes.get(id)
    if (!n) {
      if (this.nodes.size >= this.maxNodes) return null
      n = new RemoteNode(id, now)
      this.nodes.set(id, n)
    }
    return n
  }

  /** Nodes holding `key` (empty when none). */
  lookup(key: string): readonly RemoteNode[] {
    const w = this.where.get(key)
    if (w === undefined) return EMPTY
    return Array.isArray(w) ? w : [w]
  }

  add(node: RemoteNode, key: string): boolean {
    if (node.keys.has(key)) return true
    if (this.entries >= this.maxEntries) {
      this.refused++
      return false
    }
    node.keys.add(key)
    this.entries++
    const w = this.where.get(key)
    if (w === undefined) this.where.set(key, node)
    else if (Array.isArray(w)) w.push(node)
    else this.where.set(key, [w, node])
    return true
  }

  remove(node: RemoteNode, key: string): void {
    if (!node.keys.delete(key)) return
    this.entries--
    this.unindex(node, key)
  }

  /** Forgets every entry of `node` (before a snapshot replaces them, or when it leaves). */
  clear(node: RemoteNode): void {
    for (const key of node.keys) this.unindex(node, key)
    this.entries -= node.keys.size
    node.keys.clear()
  }

  /** Forgets the node and its entries. */
  drop(node: RemoteNode): void {
    this.clear(node)
    this.nodes.delete(node.id)
  }

  private unindex(node: RemoteNode, key: string): void {
    const w = this.where.get(key)
    if (w === node) this.where.delete(key)
    else if (Array.isArray(w)) {
      const i = w.indexOf(node)
      if (i >= 0) w.splice(i, 1)
      if (w.length === 1) this.where.set(key, w[0]!)
    }
  }
}

const EMPTY: readonly RemoteNode[] = Object.freeze([])
