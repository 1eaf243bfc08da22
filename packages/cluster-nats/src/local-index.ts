import type { SessionContext } from '@kp/core'

/** What the cluster keeps per local session. @internal */
export interface LocalEntry {
  readonly ctx: SessionContext<unknown>
  /** Target keys of this session: its `remoteId` ('i' + base64url) and assigned keys ('k' + key). */
  readonly keys: Set<string>
  readonly topics: Set<string>
}

/**
 * The sessions of this node by target key and by topic. Adding the first session of a key (or
 * the first member of a topic) and removing the last are reported so the caller can announce
 * the key or (un)subscribe the topic. @internal
 */
export class LocalIndex {
  readonly sessions = new Map<SessionContext<unknown>, LocalEntry>()
  readonly byKey = new Map<string, Set<SessionContext<unknown>>>()
  readonly topics = new Map<string, Set<SessionContext<unknown>>>()

  open(ctx: SessionContext<unknown>): LocalEntry {
    let e = this.sessions.get(ctx)
    if (!e) this.sessions.set(ctx, (e = { ctx, keys: new Set(), topics: new Set() }))
    return e
  }

  /** The sessions holding `key`, most recent last (undefined when none here). */
  sessionsOf(key: string): Set<SessionContext<unknown>> | undefined {
    return this.byKey.get(key)
  }

  /** True when `key` is new on this node. */
  addKey(e: LocalEntry, key: string): boolean {
    if (e.keys.has(key)) return false
    e.keys.add(key)
    const set = this.byKey.get(key)
    if (set) {
      set.add(e.ctx)
      return false
    }
    this.byKey.set(key, new Set([e.ctx]))
    return true
  }

  /** True when the last session of `key` on this node is gone. */
  removeKey(e: LocalEntry, key: string): boolean {
    if (!e.keys.delete(key)) return false
    const set = this.byKey.get(key)
    if (!set) return false
    set.delete(e.ctx)
    if (set.size > 0) return false
    this.byKey.delete(key)
    return true
  }

  /** True when `topic` got its first member on this node. */
  join(e: LocalEntry, topic: string): boolean {
    if (e.topics.has(topic)) return false
    e.topics.add(topic)
    const set = this.topics.get(topic)
    if (set) {
      set.add(e.ctx)
      return false
    }
    this.topics.set(topic, new Set([e.ctx]))
    return true
  }

  /** True when `topic` lost its last member on this node. */
  leave(e: LocalEntry, topic: string): boolean {
    if (!e.topics.delete(topic)) return false
    const set = this.topics.get(topic)
    if (!set) return false
    set.delete(e.ctx)
    if (set.size > 0) return false
    this.topics.delete(topic)
    return true
  }

  /** Removes a closed session; returns the keys and topics it was the last one of. */
  close(ctx: SessionContext<unknown>): { keys: string[]; topics: string[] } {
    const e = this.sessions.get(ctx)
    const gone = { keys: [] as string[], topics: [] as string[] }
    if (!e) return gone
    this.sessions.delete(ctx)
    for (const k of [...e.keys]) if (this.removeKey(e, k)) gone.keys.push(k)
    for (const t of [...e.topics]) if (this.leave(e, t)) gone.topics.push(t)
    return gone
  }
}
