import { BipackWriter } from '@kp/bipack'
import { type CallOptions, type Command, Emitter, type KiloServer, MessageTooLargeError, type SessionContext } from '@kp/core'
import { hash, kdf, randomBytes } from '@kp/crypto'
import type { BusEvent, BusSubscription, ClusterBus } from './bus/cluster-bus.js'
import { ClientNotFoundError } from './errors/client-not-found-error.js'
import { ClusterClosedError } from './errors/cluster-closed-error.js'
import { ClusterLimitError } from './errors/cluster-limit-error.js'
import { NodeLostError } from './errors/node-lost-error.js'
import { errorToWire } from './error-wire.js'
import { type LocalEntry, LocalIndex } from './local-index.js'
import { type ClusterOptions, type ResolvedClusterOptions, resolveClusterOptions } from './options.js'
import { OutgoingCalls } from './outgoing-calls.js'
import { PresenceSync } from './presence-sync.js'
import type { NodeInfo, RemoteNode } from './presence-table.js'
import { rawCommand } from './raw-command.js'
import { type ClusterTarget, describeKey, idKey, targetKey } from './target.js'
import { type DropReason, FRAME_OVERHEAD, FrameCodec, NODE_ID_LENGTH, toHex } from './wire/frame-codec.js'
import { type Message, readMessage, T, writeMessage } from './wire/messages.js'

/** Events of a {@link Cluster}. */
export interface ClusterEvents {
  /** Another node was seen for the first time (or again after it was forgotten). */
  nodeUp: [node: NodeInfo]
  /** Another node left or missed its heartbeats: its clients are forgotten. */
  nodeDown: [node: NodeInfo, reason: string]
  /** This node left the cluster: `close()`, or its bus closed under it. */
  closed: [reason: string]
}

/** Where a client is connected. */
export interface ClientLocation {
  /** The node's id (hex). */
  node: string
  /** The node's name. */
  name: string
  /** True for this node. */
  local: boolean
}

/** Counters of a {@link Cluster} (a snapshot; read `cluster.stats` again for fresh figures). */
export interface ClusterStats {
  /** Payloads published and received on the bus. */
  sent: number
  received: number
  /** Payloads dropped, by reason: did not open with the cluster key, replayed, malformed... */
  dropped: Record<Exclude<DropReason, 'self'> | 'oversize' | 'unexpected', number>
  /** Pushes and calls that reached this node for a target it does not hold (the sender's table was stale). */
  misrouted: number
  /** Pushes to local sessions that failed (session closing, over the client's message limit). */
  pushFailed: number
  /** Background messages (heartbeats, presence) the bus refused. */
  publishFailed: number
  /** Presence entries refused because `maxPresence` was reached. */
  presenceRefused: number
  /** Nodes ignored because `maxNodes` were known. */
  nodesRefused: number
  /** Entries in the presence table, other nodes known, remote calls waiting, calls from other nodes running, local topics. */
  presence: number
  nodes: number
  pendingCalls: number
  incomingCalls: number
  topics: number
}

/** Options of {@link Cluster.publish}. */
export interface PublishOptions {
  /** A local session that should not get this push (typically the sender). */
  except?: SessionContext<any>
}

/** Options of {@link Cluster.call}: core's call options; `timeoutMs` must be above 0. */
export type ClusterCallOptions = CallOptions

const HARD_MAX_REMOTE_TIMEOUT = 3_600_000
/** Subscriptions other than topics (numbers: a topic name is always a string). */
const PRESENCE = 0
const DIRECT = 1

/**
 * One node of a cluster: the `KiloServer`s of this process, joined to the other nodes through a
 * {@link ClusterBus}. Made by {@link createCluster}.
 */
export class Cluster<S = unknown> extends Emitter<ClusterEvents> {
  /** This node's id: 32 hex digits, random per `createCluster`. */
  readonly id: string
  /** This node's name. */
  readonly name: string
  /** Largest bus payload this node sends or accepts. */
  readonly maxPayload: number
  private readonly o: ResolvedClusterOptions
  private readonly bus: ClusterBus
  private readonly codec: FrameCodec
  private readonly index = new LocalIndex()
  private readonly presence: PresenceSync
  private readonly outgoing: OutgoingCalls
  private readonly incoming = new Map<string, AbortController>()
  private readonly topicSubs = new Map<string, BusSubscription>()
  private readonly topicSubjects = new Map<string, string>()
  private readonly subs: BusSubscription[] = []
  private readonly detach: (() => void)[] = []
  private readonly writer = new BipackWriter(1024)
  private readonly prefix: string
  private readonly presenceSubject: string
  private readonly ownSubject: string
  private timer: ReturnType<typeof setInterval> | undefined
  private closedReason: string | null = null
  private readonly counters = {
    sent: 0,
    received: 0,
    misrouted: 0,
    pushFailed: 0,
    publishFailed: 0,
    dropped: { malformed: 0, unsealed: 0, sealed: 0, open: 0, replay: 0, oversize: 0, unexpected: 0 },
  }
  private readonly warned = new Map<string, number>()

  /** @internal use {@link createCluster} */
  constructor(servers: KiloServer<S>[], bus: ClusterBus, options: ResolvedClusterOptions) {
    super()
    this.o = options
    this.bus = bus
    const nodeId = randomBytes(NODE_ID_LENGTH)
    this.codec = new FrameCodec(nodeId, options.key, options.maxNodes + 16)
    this.id = this.codec.nodeHex
    this.name = options.name ?? `node-${this.id.slice(0, 8)}`
    const busMax = bus.maxPayload
    this.maxPayload = Math.min(options.maxPayload ?? busMax, busMax)
    this.prefix = options.subjectPrefix
    this.presenceSubject = `${this.prefix}.presence`
    this.ownSubject = this.nodeSubject(this.id)
    this.outgoing = new OutgoingCalls(options.maxPendingCalls, (node, id) => this.trySend(this.nodeSubject(node), { t: T.Cancel, id }))
    const cluster = this
    this.presence = new PresenceSync(
      {
        trySend: (subject, m) => this.trySend(subject, m),
        nodeSubject: (id) => this.nodeSubject(id),
        presenceSubject: this.presenceSubject,
        localKeys: () => this.index.byKey.keys(),
        get localCount() {
          return cluster.index.byKey.size
        },
        bodyLimit: this.maxPayload - FRAME_OVERHEAD,
        nodeUp: (n) => this.emit('nodeUp', n),
        nodeDown: (n, reason) => this.nodeLost(n, reason),
        now: () => Date.now(),
      },
      { name: this.name, heartbeatMs: options.heartbeatMs, nodeTimeoutMs: options.nodeTimeoutMs, maxNodes: options.maxNodes, maxPresence: options.maxPresence },
    )
    this.subs.push(bus.subscribe(this.presenceSubject, (subject, data) => this.receive(subject, data, PRESENCE)))
    this.subs.push(bus.subscribe(this.ownSubject, (subject, data) => this.receive(subject, data, DIRECT)))
    this.detach.push(bus.onEvent((e) => this.busEvent(e)))
    for (const server of servers) this.attach(server)
    this.timer = setInterval(() => this.presence.tick(), options.heartbeatMs)
    this.timer.unref?.()
  }

  /** @internal */
  start(): void {
    this.presence.hello()
  }

  // ------------------------------------------------------------------ addressing

  /**
   * Gives `session` an application key (a user id, a device id...): pushes and calls to that key
   * reach it wherever it is connected. Several sessions may share a key (pushes reach them all,
   * calls the most recent one); a session may hold up to `maxKeysPerSession` keys. The key is
   * dropped when the session closes.
   */
  assign(session: SessionContext<S>, key: string): void {
    const e = this.entry(session)
    const k = targetKey(key)
    if (e.keys.has(k)) return
    const appKeys = e.ctx.remoteId ? e.keys.size - 1 : e.keys.size
    if (appKeys >= this.o.maxKeysPerSession) throw new ClusterLimitError('maxKeysPerSession', `the session already holds ${appKeys} keys (maxKeysPerSession)`)
    if (this.index.addKey(e, k)) this.presence.note(k, true)
  }

  /** Takes an application key back from `session`. */
  unassign(session: SessionContext<S>, key: string): void {
    const e = this.index.sessions.get(session as SessionContext<unknown>)
    if (e && this.index.removeKey(e, targetKey(key))) this.presence.note(targetKey(key), false)
  }

  /** The application keys `session` holds. */
  keysOf(session: SessionContext<S>): string[] {
    const e = this.index.sessions.get(session as SessionContext<unknown>)
    return e ? [...e.keys].filter((k) => k.startsWith('k')).map(describeKey) : []
  }

  /** Where `target` is connected: this node and/or others (empty when nowhere, as far as this node knows). */
  locate(target: ClusterTarget): ClientLocation[] {
    const key = targetKey(target)
    const out: ClientLocation[] = []
    if (this.index.sessionsOf(key)?.size) out.push({ node: this.id, name: this.name, local: true })
    for (const n of this.presence.table.lookup(key)) out.push({ node: n.id, name: n.name, local: false })
    return out
  }

  /** The other nodes this node knows, alive as far as it can tell. */
  nodes(): NodeInfo[] {
    return [...this.presence.table.nodes.values()].map((n) => ({ id: n.id, name: n.name, lastSeen: n.lastSeen, clients: n.clients, syncing: n.syncing }))
  }

  /**
   * Pushes to every session of `target`, on this node (directly) and on the nodes that hold it
   * (one bus message each). Throws `ClientNotFoundError` when no node holds it, and what the bus
   * throws (`MessageTooLargeError` over `maxPayload`, `ClusterClosedError`).
   */
  push<A>(target: ClusterTarget, command: Command<A, any>, args: NoInfer<A>): void {
    this.checkOpen()
    const key = targetKey(target)
    const local = this.index.sessionsOf(key)
    const remote = this.presence.table.lookup(key)
    if (!local && remote.length === 0) throw new ClientNotFoundError(describeKey(key))
    if (remote.length > 0) {
      const encoded = command.args.encode(args)
      for (const n of remote) this.send(this.nodeSubject(n.id), { t: T.Push, target: key, name: command.name, args: encoded })
    }
    if (!local) return
    if (local.size === 1) {
      for (const s of local) s.push(command, args)
      return
    }
    let first: unknown = null
    let ok = 0
    for (const s of [...local]) {
      try {
        s.push(command, args)
        ok++
      } catch (e) {
        first ??= e
      }
    }
    if (ok === 0 && remote.length === 0) throw first
  }

  /**
   * Calls `target` and resolves with its answer: a local session directly, otherwise through the
   * node that holds it (the most recent session when there are several). Rejects with
   * `ClientNotFoundError` when no node holds it (or the node no longer does), `TimeoutError` after
   * `timeoutMs` (default `callTimeoutMs`), `NodeLostError` when that node leaves first,
   * `ClusterLimitError` beyond `maxPendingCalls`, and with the client's own error otherwise
   * (registered application errors as their class).
   */
  call<A, R>(target: ClusterTarget, command: Command<A, R>, args: NoInfer<A>, options?: ClusterCallOptions): Promise<R> {
    try {
      this.checkOpen()
      const key = targetKey(target)
      const timeoutMs = options?.timeoutMs ?? this.o.callTimeoutMs
      if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > HARD_MAX_REMOTE_TIMEOUT) {
        throw new RangeError(`"timeoutMs" expected an integer in 1..${HARD_MAX_REMOTE_TIMEOUT} (a cluster call is always bounded), got ${timeoutMs}`)
      }
      const local = this.index.sessionsOf(key)
      if (local?.size) return last(local).call(command, args, { timeoutMs, signal: options?.signal })
      const nodes = this.presence.table.lookup(key)
      const node = nodes[nodes.length - 1]
      if (!node) throw new ClientNotFoundError(describeKey(key))
      const encoded = command.args.encode(args)
      const subject = this.nodeSubject(node.id)
      return this.outgoing.start(command as unknown as Command<unknown, R>, node.id, describeKey(key), timeoutMs, options?.signal, (id) =>
        this.send(subject, { t: T.Call, id, target: key, name: command.name, args: encoded, timeoutMs }),
      )
    } catch (e) {
      return Promise.reject(e)
    }
  }

  // ------------------------------------------------------------------ topics

  /**
   * Adds `session` to `topic` (a room): {@link publish} to the topic reaches it. The first member
   * on this node subscribes the node to the topic's subject; the last one leaving unsubscribes.
   * The session leaves every topic when it closes.
   */
  join(session: SessionContext<S>, topic: string): void {
    checkTopic(topic)
    const e = this.entry(session)
    if (e.topics.has(topic)) return
    if (e.topics.size >= this.o.maxTopicsPerSession)
      throw new ClusterLimitError('maxTopicsPerSession', `the session is in ${e.topics.size} topics already (maxTopicsPerSession)`)
    const fresh = !this.index.topics.has(topic)
    if (fresh && this.index.topics.size >= this.o.maxTopics)
      throw new ClusterLimitError('maxTopics', `this node has members in ${this.index.topics.size} topics already (maxTopics)`)
    if (fresh) {
      const subject = this.topicSubject(topic)
      this.topicSubs.set(
        topic,
        this.bus.subscribe(subject, (s, data) => this.receive(s, data, topic)),
      )
    }
    this.index.join(e, topic)
  }

  /** Removes `session` from `topic`. */
  leave(session: SessionContext<S>, topic: string): void {
    const e = this.index.sessions.get(session as SessionContext<unknown>)
    if (e && this.index.leave(e, topic)) this.unsubscribeTopic(topic)
  }

  /** The topics `session` is in. */
  topicsOf(session: SessionContext<S>): string[] {
    return [...(this.index.sessions.get(session as SessionContext<unknown>)?.topics ?? [])]
  }

  /** Members of `topic` on this node. */
  localMembers(topic: string): number {
    return this.index.topics.get(topic)?.size ?? 0
  }

  /**
   * Pushes to every member of `topic` on every node: members here directly, the other nodes with
   * members through one bus message (nodes without members do not receive it). The arguments are
   * encoded once. Returns how many local sessions it was queued for.
   */
  publish<A>(topic: string, command: Command<A, any>, args: NoInfer<A>, options?: PublishOptions): number {
    this.checkOpen()
    checkTopic(topic)
    const encoded = command.args.encode(args)
    const subject = this.topicSubject(topic)
    const payload = this.frame(subject, { t: T.Topic, topic, name: command.name, args: encoded })
    const members = this.index.topics.get(topic)
    const n = members ? this.deliver(members, command.name, encoded, options?.except) : 0
    this.bus.publish(subject, payload)
    this.counters.sent++
    return n
  }

  // ------------------------------------------------------------------ state

  /** Counters and sizes, for monitoring and tests. */
  get stats(): ClusterStats {
    const c = this.counters
    return {
      sent: c.sent,
      received: c.received,
      dropped: { ...c.dropped },
      misrouted: c.misrouted,
      pushFailed: c.pushFailed,
      publishFailed: c.publishFailed,
      presenceRefused: this.presence.table.refused,
      nodesRefused: this.presence.nodesRefused,
      presence: this.presence.table.size,
      nodes: this.presence.table.nodes.size,
      pendingCalls: this.outgoing.size,
      incomingCalls: this.incoming.size,
      topics: this.index.topics.size,
    }
  }

  /** True once closed. */
  get isClosed(): boolean {
    return this.closedReason !== null
  }

  /**
   * Leaves the cluster: says goodbye (the other nodes forget this node's clients at once), fails
   * pending remote calls with `ClusterClosedError`, unsubscribes. The servers keep running and the
   * bus stays open (close it after, if it is yours).
   */
  async close(): Promise<void> {
    if (this.closedReason !== null) return
    this.presence.bye()
    this.shutdown('closed')
    // the goodbye is on its way; a bus that lost its server does not hold the close for long
    await withDeadline(this.bus.flush(), CLOSE_WAIT_MS).catch(() => {})
  }

  // ------------------------------------------------------------------ inside

  private attach(server: KiloServer<S>): void {
    for (const s of server.sessions()) this.opened(s)
    this.detach.push(server.on('session', (s) => this.opened(s)))
    this.detach.push(server.on('sessionClosed', (s) => this.sessionClosed(s)))
  }

  private opened(s: SessionContext<S>): void {
    const e = this.index.open(s as SessionContext<unknown>)
    if (s.remoteId) {
      const k = idKey(s.remoteId)
      if (this.index.addKey(e, k)) this.presence.note(k, true)
    }
  }

  private sessionClosed(s: SessionContext<S>): void {
    const gone = this.index.close(s as SessionContext<unknown>)
    for (const k of gone.keys) this.presence.note(k, false)
    for (const t of gone.topics) this.unsubscribeTopic(t)
  }

  private entry(session: SessionContext<S>): LocalEntry {
    this.checkOpen()
    const e = this.index.sessions.get(session as SessionContext<unknown>)
    if (!e) throw new TypeError('"session" expected an open session of a server this cluster serves (the ctx of a handler or hook)')
    return e
  }

  private unsubscribeTopic(topic: string): void {
    this.topicSubs.get(topic)?.unsubscribe()
    this.topicSubs.delete(topic)
  }

  private nodeSubject(id: string): string {
    return `${this.prefix}.n.${id}`
  }

  /** `prefix.t.<128-bit hash of the topic>`, keyed with the cluster key when there is one: the bus never sees topic names. */
  private topicSubject(topic: string): string {
    let s = this.topicSubjects.get(topic)
    if (s === undefined) {
      const h = this.o.key ? kdf(this.o.key, 'kp-cluster-v1-topic', topic) : hash('kp-cluster-v1-topic', topic)
      s = `${this.prefix}.t.${toHex(h.subarray(0, 16))}`
      if (this.topicSubjects.size >= 65_536) this.topicSubjects.clear()
      this.topicSubjects.set(topic, s)
    }
    return s
  }

  private checkOpen(): void {
    if (this.closedReason !== null) throw new ClusterClosedError(`this node left the cluster: ${this.closedReason}`)
  }

  /** Encodes and frames a message; MessageTooLargeError beyond `maxPayload`. */
  private frame(subject: string, m: Message): Uint8Array {
    const w = this.writer
    w.reset()
    writeMessage(w, m)
    const size = w.length + FRAME_OVERHEAD
    if (size > this.maxPayload) {
      const what = m.t === T.Topic ? `publish '${m.name}'` : m.t === T.Push ? `push '${m.name}'` : m.t === T.Call ? `call '${m.name}'` : 'bus message'
      throw new MessageTooLargeError(size, this.maxPayload, what, 'send less, or raise maxPayload (and the NATS server max_payload)')
    }
    return this.codec.frame(subject, w.view())
  }

  private send(subject: string, m: Message): void {
    this.bus.publish(subject, this.frame(subject, m))
    this.counters.sent++
  }

  private trySend(subject: string, m: Message): boolean {
    try {
      this.send(subject, m)
      return true
    } catch (e) {
      this.counters.publishFailed++
      this.warn('publish', `a bus message was not sent: ${(e as Error).message}`)
      return false
    }
  }

  /** A bus message: `via` is the subscription it came through (presence, this node, or a topic's name). */
  private receive(subject: string, data: Uint8Array, via: typeof PRESENCE | typeof DIRECT | string): void {
    if (this.closedReason !== null) return
    this.counters.received++
    const d = this.counters.dropped
    if (data.length > this.maxPayload) {
      d.oversize++
      return
    }
    const f = this.codec.open(subject, data)
    if (typeof f === 'string') {
      if (f !== 'self') {
        d[f]++
        this.warn(
          `drop-${f}`,
          `dropped bus payloads (${f}): ${d[f]} so far${f === 'open' || f === 'unsealed' ? ' (a node without the cluster key, or tampering)' : ''}`,
        )
      }
      return
    }
    let m: Message
    try {
      m = readMessage(f.body)
    } catch {
      d.malformed++
      return
    }
    if (via === PRESENCE) {
      if (m.t === T.Heartbeat || m.t === T.Hello || m.t === T.Bye || m.t === T.Delta) this.presence.onPresence(f.from, m)
      else d.unexpected++
    } else if (via === DIRECT) {
      this.onDirect(f.from, m)
    } else if (m.t === T.Topic && m.topic === via) {
      const members = this.index.topics.get(via)
      if (members) this.deliver(members, m.name, m.args, undefined)
    } else {
      d.unexpected++
    }
  }

  private onDirect(from: string, m: Message): void {
    switch (m.t) {
      case T.Push: {
        const local = this.index.sessionsOf(m.target)
        if (local) this.deliver(local, m.name, m.args, undefined)
        else this.counters.misrouted++
        return
      }
      case T.Call:
        return this.onCall(from, m)
      case T.Result:
        return this.outgoing.onResult(from, m.id, m.value)
      case T.Error:
        return this.outgoing.onError(from, m.id, m)
      case T.Cancel:
        this.incoming.get(`${from}:${m.id}`)?.abort(new Error('the caller gave up'))
        return
      case T.Snapshot:
        return this.presence.onSnapshot(from, m)
      case T.Sync:
        return this.presence.sendSnapshot(from)
      default:
        this.counters.dropped.unexpected++
    }
  }

  private onCall(from: string, m: Extract<Message, { t: typeof T.Call }>): void {
    const reply = this.nodeSubject(from)
    const local = this.index.sessionsOf(m.target)
    if (!local?.size) {
      this.counters.misrouted++
      this.trySend(reply, { t: T.Error, id: m.id, code: 'kp.ClientNotFound', message: `node ${this.name} holds no session for it (any more)`, data: EMPTY })
      return
    }
    if (this.incoming.size >= this.o.maxIncomingCalls) {
      this.trySend(reply, {
        t: T.Error,
        id: m.id,
        code: 'kp.ClusterLimit',
        message: `node ${this.name} runs ${this.incoming.size} calls from other nodes already (maxIncomingCalls)`,
        data: EMPTY,
      })
      return
    }
    const key = `${from}:${m.id}`
    if (this.incoming.has(key)) return // a repeat
    const ac = new AbortController()
    this.incoming.set(key, ac)
    const timeoutMs = Math.min(m.timeoutMs > 0 ? m.timeoutMs : this.o.callTimeoutMs, HARD_MAX_REMOTE_TIMEOUT)
    last(local)
      .call(rawCommand(m.name), m.args, { timeoutMs, signal: ac.signal })
      .then(
        (value) => {
          if (this.incoming.delete(key)) this.answer(reply, m.id, value)
        },
        (e: unknown) => {
          if (this.incoming.delete(key) && !ac.signal.aborted) this.trySend(reply, { t: T.Error, id: m.id, ...errorToWire(e) })
        },
      )
  }

  private answer(reply: string, id: number, value: Uint8Array): void {
    try {
      this.send(reply, { t: T.Result, id, value })
    } catch (e) {
      if (MessageTooLargeError.isInstance(e)) this.trySend(reply, { t: T.Error, id, code: e.code, message: `the result: ${e.message}`, data: EMPTY })
      else this.trySend(reply, { t: T.Error, id, code: 'kp.Internal', message: 'the result could not be sent', data: EMPTY })
    }
  }

  /** Pushes pre-encoded arguments to local sessions; returns how many it was queued for. */
  private deliver(sessions: Set<SessionContext<unknown>>, name: string, args: Uint8Array, except: SessionContext<any> | undefined): number {
    const cmd = rawCommand(name)
    let n = 0
    for (const s of sessions) {
      if (s === except) continue
      try {
        s.push(cmd, args)
        n++
      } catch {
        this.counters.pushFailed++
      }
    }
    return n
  }

  private nodeLost(n: RemoteNode, reason: string): void {
    this.outgoing.failAll(n.id, () => new NodeLostError(n.id, reason))
    for (const [key, ac] of this.incoming) {
      if (key.startsWith(`${n.id}:`)) {
        this.incoming.delete(key)
        ac.abort(new Error('the calling node left'))
      }
    }
    this.emit('nodeDown', n, reason)
  }

  private busEvent(e: BusEvent): void {
    if (this.closedReason !== null) return
    if (e.type === 'reconnect') {
      // messages may have been lost both ways: say hello again (everyone sends a snapshot) and
      // the heartbeats' numbers show this node what it missed
      this.presence.hello()
    } else if (e.type === 'error') {
      this.warn('bus', `bus: ${e.message}`)
    } else if (e.type === 'closed') {
      this.o.logger.error?.(`cluster node ${this.name}: the bus closed${e.error ? `: ${e.error.message}` : ''}; this node left the cluster`)
      this.shutdown(`the bus closed${e.error ? `: ${e.error.message}` : ''}`)
    }
  }

  private shutdown(reason: string): void {
    if (this.closedReason !== null) return
    this.closedReason = reason
    clearInterval(this.timer)
    this.presence.stop()
    for (const s of this.subs) s.unsubscribe()
    for (const s of this.topicSubs.values()) s.unsubscribe()
    this.topicSubs.clear()
    for (const d of this.detach) d()
    this.outgoing.failAll(null, () => new ClusterClosedError(`this node left the cluster: ${reason}`))
    for (const ac of this.incoming.values()) ac.abort(new Error('closing'))
    this.incoming.clear()
    this.emit('closed', reason)
  }

  private warn(what: string, message: string): void {
    const now = Date.now()
    const last = this.warned.get(what)
    if (last !== undefined && now - last < 10_000) return
    this.warned.set(what, now)
    this.o.logger.warn?.(`cluster node ${this.name}: ${message}`)
  }
}

const EMPTY: Uint8Array = new Uint8Array(0)
/** How long `close()` waits for the bus to take the goodbye. */
const CLOSE_WAIT_MS = 1000

/** Resolves with `p`, or after `ms` whatever `p` does (and never leaves `p` unhandled). */
function withDeadline(p: Promise<void>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms)
    p.then(
      () => {
        clearTimeout(t)
        resolve()
      },
      () => {
        clearTimeout(t)
        resolve()
      },
    )
  })
}

function last<T>(set: Set<T>): T {
  let v: T | undefined
  for (v of set);
  return v as T
}

function checkTopic(topic: unknown): void {
  if (typeof topic !== 'string') throw new TypeError(`"topic" expected a string, got ${topic === null ? 'null' : typeof topic}`)
  if (topic.length === 0 || topic.length > 256) throw new RangeError(`"topic" expected 1..256 characters, got ${topic.length}`)
}

/**
 * Joins this process's servers to a cluster over `bus`: returns once this node is subscribed and
 * has said hello (the other nodes then send it their clients). One cluster per process and bus;
 * pass every `KiloServer` of the process (TCP, UDP, WebSocket...).
 * @example
 * const cluster = await createCluster(server, await natsBus({ servers: 'nats://127.0.0.1:4222' }), { key: clusterKey })
 * api.onConnected((ctx) => cluster.join(ctx, 'lobby'))
 * cluster.publish('lobby', cmdNews, 'hello everyone, on every node')
 * await cluster.call(userKey, cmdAsk, 'still there?', { timeoutMs: 5000 })
 */
export async function createCluster<S>(servers: KiloServer<S> | KiloServer<S>[], bus: ClusterBus, options?: ClusterOptions): Promise<Cluster<S>> {
  const list = Array.isArray(servers) ? servers : [servers]
  if (list.length === 0) throw new RangeError('"servers" expected at least one KiloServer')
  for (const s of list) {
    if (!s || typeof s.on !== 'function' || typeof s.sessions !== 'function')
      throw new TypeError('"servers" expected KiloServer objects (what serve() returns)')
  }
  if (!bus || typeof bus.publish !== 'function' || typeof bus.subscribe !== 'function')
    throw new TypeError('"bus" expected a ClusterBus (natsBus(), or MemoryBusHub.connect())')
  const resolved = resolveClusterOptions(options)
  const cluster = new Cluster<S>(list, bus, resolved)
  cluster.start()
  await bus.flush()
  return cluster
}
