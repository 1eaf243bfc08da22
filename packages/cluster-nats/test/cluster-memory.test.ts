/** The cluster on the in-memory bus: routing, errors, topics, presence and bounds. */
import { AbortedError, bp, command, KiloInterface, MessageTooLargeError, SigningKey, TimeoutError } from '@kp/core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  ClientNotFoundError,
  type Cluster,
  ClusterClosedError,
  ClusterLimitError,
  type ClusterOptions,
  createCluster,
  MemoryBusHub,
  NodeLostError,
} from '../src/index.js'
import { cmdAsk, cmdBlob, cmdNote, cmdSlow, QuotaError, startClient, startServer, type TestClient, type TestServer, until } from './support/fixtures.js'

const open: { close(): Promise<void> }[] = []
afterEach(async () => {
  vi.useRealTimers()
  for (const o of open.splice(0).reverse()) await o.close().catch(() => {})
})

interface Node {
  server: TestServer
  cluster: Cluster
}

async function nodes(hub: MemoryBusHub, names: string[], options: ClusterOptions = {}): Promise<Node[]> {
  const out: Node[] = []
  for (const name of names) {
    const server = await startServer()
    const cluster = await createCluster(server.server, hub.connect(), { name, ...options })
    open.push(server, cluster)
    out.push({ server, cluster })
  }
  return out
}

async function client(node: Node, name: string, key?: SigningKey): Promise<TestClient> {
  const c = await startClient(node.server.port, name, key)
  open.push(c.client)
  await until(() => node.server.sessions.some((s) => s.remoteId?.equals(c.key.publicKey)), 5000, `${name} connected`)
  return c
}

function sessionOf(node: Node, c: TestClient) {
  const s = node.server.sessions.find((x) => x.remoteId?.equals(c.key.publicKey))
  if (!s) throw new Error('no session')
  return s
}

describe('addressing a client on another node', () => {
  it('routes a push and a call by the client key to the node that holds it; locate says where', async () => {
    const [a, b] = await nodes(new MemoryBusHub(), ['a', 'b'])
    const x = await client(b!, 'x')
    const id = x.key.publicKey
    await until(() => a!.cluster.locate(id).length === 1, 5000, 'a knows where x is')
    expect(a!.cluster.locate(id)).toEqual([{ node: b!.cluster.id, name: 'b', local: false }])
    expect(b!.cluster.locate(id)).toEqual([{ node: b!.cluster.id, name: 'b', local: true }])

    a!.cluster.push(id, cmdNote, 'hi from a')
    expect(await x.waitNotes(1)).toEqual(['hi from a'])
    expect(await a!.cluster.call(id, cmdAsk, 'q1')).toBe('x answers q1')
    expect(a!.cluster.stats).toMatchObject({ pendingCalls: 0, presence: 1, nodes: 1 })
  })

  it('takes the local fast path when the client is here: no bus message', async () => {
    const [a] = await nodes(new MemoryBusHub(), ['a', 'b'])
    const x = await client(a!, 'x')
    await new Promise((r) => setTimeout(r, 20)) // the presence delta went out
    const sent = a!.cluster.stats.sent
    a!.cluster.push(x.key.publicKey, cmdNote, 'local')
    expect(await a!.cluster.call(x.key.publicKey, cmdAsk, 'here?')).toBe('x answers here?')
    expect(await x.waitNotes(1)).toEqual(['local'])
    expect(a!.cluster.stats.sent).toBe(sent)
  })

  it('routes by an application key the server assigns; several sessions of one key all get pushes', async () => {
    const [a, b, c] = await nodes(new MemoryBusHub(), ['a', 'b', 'c'])
    const phone = await client(b!, 'phone')
    const laptop = await client(c!, 'laptop')
    b!.cluster.assign(sessionOf(b!, phone), 'user:42')
    c!.cluster.assign(sessionOf(c!, laptop), 'user:42')
    expect(b!.cluster.keysOf(sessionOf(b!, phone))).toEqual(['user:42'])
    await until(() => a!.cluster.locate('user:42').length === 2, 5000, 'both sessions of user:42 known')
    a!.cluster.push('user:42', cmdNote, 'to every device')
    await phone.waitNotes(1)
    await laptop.waitNotes(1)
    // a call goes to one of them
    expect(await a!.cluster.call('user:42', cmdAsk, 'who?')).toMatch(/^(phone|laptop) answers who\?$/)

    b!.cluster.unassign(sessionOf(b!, phone), 'user:42')
    await until(() => a!.cluster.locate('user:42').length === 1, 5000, 'user:42 only on c')
    expect(a!.cluster.locate('user:42')[0]!.name).toBe('c')
  })

  it('says ClientNotFound when no node holds the target, and when the holder no longer does', async () => {
    const [a, b] = await nodes(new MemoryBusHub(), ['a', 'b'])
    const nobody = SigningKey.generate().publicKey
    expect(() => a!.cluster.push(nobody, cmdNote, 'x')).toThrow(ClientNotFoundError)
    const e = await a!.cluster.call('user:nobody', cmdAsk, 'x').catch((e: unknown) => e)
    expect(ClientNotFoundError.isInstance(e)).toBe(true)
    expect(e).toMatchObject({ code: 'kp.ClientNotFound', target: 'user:nobody' })

    // a stale table: b drops the key, and a calls before b's update arrives
    const x = await client(b!, 'x')
    b!.cluster.assign(sessionOf(b!, x), 'k')
    await until(() => a!.cluster.locate('k').length === 1)
    b!.cluster.unassign(sessionOf(b!, x), 'k')
    const stale = await a!.cluster.call('k', cmdAsk, 'x').catch((e: unknown) => e)
    expect(ClientNotFoundError.isInstance(stale)).toBe(true)
    expect((stale as Error).message).toMatch(/node b holds no session for it/)
    expect(b!.cluster.stats.misrouted).toBe(1)
  })

  it("brings the client's errors back as their class; times out; aborts and cancels on the remote node", async () => {
    const [a, b] = await nodes(new MemoryBusHub(), ['a', 'b'])
    const x = await client(b!, 'x')
    const id = x.key.publicKey
    await until(() => a!.cluster.locate(id).length === 1)

    const quota = await a!.cluster.call(id, cmdAsk, 'quota').catch((e: unknown) => e)
    expect(QuotaError.isInstance(quota)).toBe(true)
    expect((quota as InstanceType<typeof QuotaError>).data).toEqual({ limit: 7 })

    const t0 = Date.now()
    const late = await a!.cluster.call(id, cmdSlow, 5000, { timeoutMs: 100 }).catch((e: unknown) => e)
    expect(TimeoutError.isInstance(late)).toBe(true)
    expect(Date.now() - t0).toBeLessThan(2000)
    await until(() => b!.cluster.stats.incomingCalls === 0, 2000, 'b gave up the call')

    const ac = new AbortController()
    const p = a!.cluster.call(id, cmdSlow, 5000, { signal: ac.signal })
    await until(() => b!.cluster.stats.incomingCalls === 1, 2000, 'call running on b')
    ac.abort()
    expect(AbortedError.isInstance(await p.catch((e: unknown) => e))).toBe(true)
    await until(() => b!.cluster.stats.incomingCalls === 0, 2000, 'b cancelled the call')
    expect(a!.cluster.stats.pendingCalls).toBe(0)

    // an unknown command: the client's own library error comes back with its code
    const unknown = await a!.cluster.call(id, command('nope', bp.unit, bp.unit), undefined).catch((e: unknown) => e)
    expect(unknown).toMatchObject({ code: 'kp.UnknownCommand' })
  })

  it('fails pending calls with NodeLostError when their node leaves, and forgets its clients at once', async () => {
    const [a, b] = await nodes(new MemoryBusHub(), ['a', 'b'])
    const x = await client(b!, 'x')
    await until(() => a!.cluster.locate(x.key.publicKey).length === 1)
    const downs: string[] = []
    a!.cluster.on('nodeDown', (n, reason) => downs.push(`${n.name}: ${reason}`))
    const pending = a!.cluster.call(x.key.publicKey, cmdSlow, 5000)
    await until(() => b!.cluster.stats.incomingCalls === 1)
    await b!.cluster.close()
    const e = await pending.catch((e: unknown) => e)
    expect(NodeLostError.isInstance(e)).toBe(true)
    expect(downs).toEqual(['b: it left'])
    expect(a!.cluster.locate(x.key.publicKey)).toEqual([])
    expect(() => b!.cluster.push(x.key.publicKey, cmdNote, 'x')).toThrow(ClusterClosedError)
  })
})

describe('topics', () => {
  it('reach members on every node; a node without members receives nothing', async () => {
    const hub = new MemoryBusHub()
    const [a, b, c] = await nodes(hub, ['a', 'b', 'c'])
    const xa = await client(a!, 'xa')
    const xb = await client(b!, 'xb')
    const yb = await client(b!, 'yb')
    a!.cluster.join(sessionOf(a!, xa), 'room')
    b!.cluster.join(sessionOf(b!, xb), 'room')
    b!.cluster.join(sessionOf(b!, yb), 'room')
    expect(b!.cluster.localMembers('room')).toBe(2)
    expect(b!.cluster.topicsOf(sessionOf(b!, xb))).toEqual(['room'])
    await new Promise((r) => setTimeout(r, 20))
    const bReceived = b!.cluster.stats.received

    expect(c!.cluster.publish('room', cmdNote, 'from c')).toBe(0)
    await xa.waitNotes(1)
    const delivered = hub.delivered
    expect(a!.cluster.publish('room', cmdNote, 'from a', { except: sessionOf(a!, xa) })).toBe(0)
    await xb.waitNotes(2)
    await yb.waitNotes(2)
    await xa.waitNotes(1)
    expect(xa.notes).toEqual(['from c'])
    expect(xb.notes).toEqual(['from c', 'from a'])
    // b got exactly one bus message per publish (encoded once, delivered to both members)
    expect(b!.cluster.stats.received - bReceived).toBe(2)
    // a's publish went to b only: c has no member and never subscribed
    expect(hub.delivered - delivered).toBe(1)
  })

  it('a topic may be called anything, "presence" and "node" too', async () => {
    const [a, b] = await nodes(new MemoryBusHub(), ['a', 'b'])
    const xb = await client(b!, 'xb')
    b!.cluster.join(sessionOf(b!, xb), 'presence')
    b!.cluster.join(sessionOf(b!, xb), 'node')
    a!.cluster.publish('presence', cmdNote, 'one')
    a!.cluster.publish('node', cmdNote, 'two')
    expect(await xb.waitNotes(2)).toEqual(['one', 'two'])
    expect(b!.cluster.stats.dropped.unexpected).toBe(0)
  })

  it('unsubscribes when the last member leaves or closes', async () => {
    const hub = new MemoryBusHub()
    const [a, b] = await nodes(hub, ['a', 'b'])
    const xb = await client(b!, 'xb')
    await new Promise((r) => setTimeout(r, 20)) // b's presence update is out
    const before = hub.delivered
    b!.cluster.join(sessionOf(b!, xb), 'room')
    a!.cluster.publish('room', cmdNote, 'one')
    await xb.waitNotes(1)
    expect(hub.delivered - before).toBe(1)
    b!.cluster.leave(sessionOf(b!, xb), 'room')
    expect(b!.cluster.stats.topics).toBe(0)
    a!.cluster.publish('room', cmdNote, 'two')
    b!.cluster.join(sessionOf(b!, xb), 'room2')
    await xb.client.close()
    await until(() => b!.cluster.stats.topics === 0, 2000, 'the closed session left room2')
    a!.cluster.publish('room2', cmdNote, 'three')
    await new Promise((r) => setTimeout(r, 20))
    expect(xb.notes).toEqual(['one'])
  })
})

describe('presence', () => {
  it('a node that joins later learns the clients of the others from their snapshots', async () => {
    const hub = new MemoryBusHub()
    const [a] = await nodes(hub, ['a'])
    const xs = await Promise.all(['x1', 'x2', 'x3'].map((n) => client(a!, n)))
    a!.cluster.assign(sessionOf(a!, xs[0]!), 'app-key')
    const [late] = await nodes(hub, ['late'])
    await until(() => late!.cluster.stats.presence === 4, 5000, 'late knows 4 entries')
    for (const x of xs) expect(late!.cluster.locate(x.key.publicKey)).toEqual([{ node: a!.cluster.id, name: 'a', local: false }])
    expect(late!.cluster.nodes()).toMatchObject([{ id: a!.cluster.id, name: 'a', clients: 4, syncing: false }])
  })

  it('a snapshot and a delta come in parts when the entries do not fit one payload', async () => {
    const hub = new MemoryBusHub({ maxPayload: 2048 })
    const [a] = await nodes(hub, ['a'], { maxKeysPerSession: 100 })
    const x = await client(a!, 'x')
    const s = sessionOf(a!, x)
    const sent = a!.cluster.stats.sent
    for (let i = 0; i < 100; i++) a!.cluster.assign(s, `key-${i}`.padEnd(40, '.'))
    await new Promise((r) => setTimeout(r, 20))
    expect(a!.cluster.stats.sent - sent).toBeGreaterThan(3) // one turn's changes, several deltas
    const [late] = await nodes(hub, ['late'])
    await until(() => late!.cluster.stats.presence === 101, 5000, 'late knows 101 entries')
    expect(late!.cluster.locate('key-99'.padEnd(40, '.'))).toHaveLength(1)
  })

  it('forgets a silent node within nodeTimeoutMs + heartbeatMs (fake clock)', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] })
    const hub = new MemoryBusHub()
    const opts = { heartbeatMs: 1000, nodeTimeoutMs: 3000 }
    const [a, b] = await nodes(hub, ['a', 'b'], opts)
    const busB = hub.connect()
    const c = await createCluster((await startServer()).server, busB, { name: 'c', ...opts })
    open.push(c)
    await vi.advanceTimersByTimeAsync(1000)
    expect(
      a!.cluster
        .nodes()
        .map((n) => n.name)
        .sort(),
    ).toEqual(['b', 'c'])
    const downs: string[] = []
    a!.cluster.on('nodeDown', (n, reason) => downs.push(`${n.name}: ${reason}`))
    // c's process stalls: its bus goes quiet without a goodbye
    const t0 = Date.now()
    await busB.close()
    while (downs.length === 0 && Date.now() - t0 < 10_000) await vi.advanceTimersByTimeAsync(100)
    const took = Date.now() - t0
    expect(downs).toEqual(['c: no heartbeat for 3000 ms'])
    expect(took).toBeGreaterThan(opts.nodeTimeoutMs - opts.heartbeatMs)
    expect(took).toBeLessThanOrEqual(opts.nodeTimeoutMs + opts.heartbeatMs)
    expect(a!.cluster.nodes().map((n) => n.name)).toEqual(['b'])
    expect(b!.cluster.nodes().map((n) => n.name)).toEqual(['a'])
  })
})

describe('bounds', () => {
  it('maxPendingCalls: the next remote call is refused before it is sent', async () => {
    const [a, b] = await nodes(new MemoryBusHub(), ['a', 'b'], { maxPendingCalls: 2 })
    const x = await client(b!, 'x')
    await until(() => a!.cluster.locate(x.key.publicKey).length === 1)
    const calls = [a!.cluster.call(x.key.publicKey, cmdSlow, 200), a!.cluster.call(x.key.publicKey, cmdSlow, 200)]
    const e = await a!.cluster.call(x.key.publicKey, cmdSlow, 1).catch((e: unknown) => e)
    expect(ClusterLimitError.isInstance(e)).toBe(true)
    expect(e).toMatchObject({ code: 'kp.ClusterLimit', limit: 'maxPendingCalls' })
    expect(await Promise.all(calls)).toEqual([200, 200])
  })

  it('maxIncomingCalls: a node runs at most that many calls for others and refuses the rest', async () => {
    const hub = new MemoryBusHub()
    const [a] = await nodes(hub, ['a'])
    const [b] = await nodes(hub, ['b'], { maxIncomingCalls: 1 })
    const x = await client(b!, 'x')
    await until(() => a!.cluster.locate(x.key.publicKey).length === 1)
    const first = a!.cluster.call(x.key.publicKey, cmdSlow, 200)
    await until(() => b!.cluster.stats.incomingCalls === 1)
    const e = await a!.cluster.call(x.key.publicKey, cmdSlow, 1).catch((e: unknown) => e)
    expect(e).toMatchObject({ code: 'kp.ClusterLimit' })
    expect(await first).toBe(200)
  })

  it('maxKeysPerSession, maxTopicsPerSession, maxTopics', async () => {
    const [a] = await nodes(new MemoryBusHub(), ['a'], { maxKeysPerSession: 2, maxTopicsPerSession: 2, maxTopics: 3 })
    const x = await client(a!, 'x')
    const y = await client(a!, 'y')
    const sx = sessionOf(a!, x)
    const sy = sessionOf(a!, y)
    a!.cluster.assign(sx, 'k1')
    a!.cluster.assign(sx, 'k2')
    expect(() => a!.cluster.assign(sx, 'k3')).toThrow(expect.objectContaining({ limit: 'maxKeysPerSession' }))
    a!.cluster.join(sx, 't1')
    a!.cluster.join(sx, 't2')
    expect(() => a!.cluster.join(sx, 't3')).toThrow(expect.objectContaining({ limit: 'maxTopicsPerSession' }))
    a!.cluster.join(sy, 't3')
    expect(() => a!.cluster.join(sy, 't4')).toThrow(expect.objectContaining({ limit: 'maxTopics' }))
    a!.cluster.join(sy, 't1') // an existing topic is no new subscription
    expect(a!.cluster.stats.topics).toBe(3)
  })

  it('maxPresence: entries beyond the bound are refused and counted, not stored', async () => {
    const hub = new MemoryBusHub()
    const [a] = await nodes(hub, ['a'], { maxPresence: 3 })
    const [b] = await nodes(hub, ['b'])
    const x = await client(b!, 'x')
    const s = sessionOf(b!, x)
    for (let i = 0; i < 5; i++) b!.cluster.assign(s, `k${i}`)
    await until(() => a!.cluster.stats.presenceRefused === 3, 5000, 'a refused 3 of 6 entries')
    expect(a!.cluster.stats.presence).toBe(3)
  })

  it('maxPayload: a push, a call or a publish over it is refused before it is sent', async () => {
    const [a, b] = await nodes(new MemoryBusHub(), ['a', 'b'], { maxPayload: 4096 })
    const x = await client(b!, 'x')
    await until(() => a!.cluster.locate(x.key.publicKey).length === 1)
    const big = new Uint8Array(5000)
    expect(() => a!.cluster.push(x.key.publicKey, cmdBlob, big)).toThrow(MessageTooLargeError)
    expect(() => a!.cluster.publish('room', cmdBlob, big)).toThrow(MessageTooLargeError)
    expect(MessageTooLargeError.isInstance(await a!.cluster.call(x.key.publicKey, cmdBlob, big).catch((e: unknown) => e))).toBe(true)
    a!.cluster.push(x.key.publicKey, cmdNote, 'small still goes')
    await x.waitNotes(1)
  })

  it('refuses wrong arguments and options with TypeError/RangeError naming them', async () => {
    const hub = new MemoryBusHub()
    const [a] = await nodes(hub, ['a'])
    expect(() => a!.cluster.push(42 as never, cmdNote, 'x')).toThrow(/"target" expected a string/)
    expect(() => a!.cluster.push('', cmdNote, 'x')).toThrow(RangeError)
    expect(() => a!.cluster.publish('x'.repeat(257), cmdNote, 'x')).toThrow(/"topic" expected 1\.\.256/)
    await expect(a!.cluster.call('k', cmdAsk, 'x', { timeoutMs: 0 })).rejects.toThrow(/"timeoutMs" expected an integer in 1\.\./)
    const server = (await startServer()).server
    await expect(createCluster(server, hub.connect(), { key: new Uint8Array(16) })).rejects.toThrow(/"key" expected a Uint8Array of length 32/)
    await expect(createCluster(server, hub.connect(), { heartbeatMs: 1000, nodeTimeoutMs: 1500 })).rejects.toThrow(
      /"nodeTimeoutMs" expected an integer in 2000\.\./,
    )
    await expect(createCluster(server, hub.connect(), { subjectPrefix: 'a b' })).rejects.toThrow(/"subjectPrefix"/)
    await expect(createCluster([], hub.connect())).rejects.toThrow(/"servers"/)
    await server.close()
    const other = await startServer(new KiloInterface())
    open.push(other)
    const c = await startClient(other.port, 'z')
    open.push(c.client)
    await until(() => other.sessions.length === 1)
    expect(() => a!.cluster.join(other.sessions[0]!, 't')).toThrow(/"session" expected an open session of a server this cluster serves/)
  })
})
