/**
 * The cluster on a real nats-server (Debian's package), started here on 127.0.0.1 and a free
 * port: routing, topics, sealing against an eavesdropper and a forger, liveness, credentials, TLS.
 */
import { rmSync } from 'node:fs'
import { connect as natsConnect, type NatsConnection } from '@nats-io/transport-node'
import { randomBytes } from '@kp/crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '@kp/core'
import { type Cluster, type ClusterOptions, createCluster, type NatsBus, type NatsBusOptions, natsBus } from '../src/index.js'
import { type NatsServerProcess, startNatsServer } from '../src/testing/index.js'
import { makeSelfSignedCert } from '../../../scripts/test/self-signed-cert.js'
import { cmdAsk, cmdNote, startClient, startServer, type TestClient, type TestServer, until } from './support/fixtures.js'

let nats: NatsServerProcess
const cleanup: (() => Promise<unknown> | unknown)[] = []

beforeAll(async () => {
  // fails with the install hint when nats-server is missing
  nats = await startNatsServer()
}, 20_000)

afterAll(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
  await nats?.stop()
}, 20_000)

interface Node {
  server: TestServer
  bus: NatsBus
  cluster: Cluster
}

async function node(name: string, options: ClusterOptions = {}, busOptions: NatsBusOptions = { servers: nats.url }): Promise<Node> {
  const server = await startServer()
  const bus = await natsBus(busOptions)
  const cluster = await createCluster(server.server, bus, { name, logger: silentLogger, ...options })
  cleanup.push(
    () => server.close(),
    () => bus.close(),
    () => cluster.close(),
  )
  return { server, bus, cluster }
}

async function client(n: Node, name: string): Promise<TestClient> {
  const c = await startClient(n.server.port, name)
  cleanup.push(() => c.client.close())
  await until(() => n.server.sessions.some((s) => s.remoteId?.equals(c.key.publicKey)), 5000, `${name} connected`)
  return c
}

const sessionOf = (n: Node, c: TestClient) => n.server.sessions.find((s) => s.remoteId?.equals(c.key.publicKey))!

describe('startNatsServer', () => {
  it('fails with the install hint when the binary is missing', async () => {
    await expect(startNatsServer({ bin: '/nonexistent/nats-server' })).rejects.toThrow(
      /nats-server not found at \/nonexistent\/nats-server: install Debian's nats-server package \(sudo apt-get install nats-server/,
    )
  })
})

describe('on a real nats-server', () => {
  it('routes pushes and calls by client key and application key, and topics, between two nodes (sealed)', async () => {
    const key = randomBytes(32)
    const a = await node('a', { key, subjectPrefix: 'kp.t1' })
    const b = await node('b', { key, subjectPrefix: 'kp.t1' })
    const x = await client(b, 'x')
    const y = await client(a, 'y')
    b.cluster.assign(sessionOf(b, x), 'user:x')
    await until(() => a.cluster.locate('user:x').length === 1 && b.cluster.locate(y.key.publicKey).length === 1, 5000, 'presence on both nodes')

    a.cluster.push(x.key.publicKey, cmdNote, 'by id')
    a.cluster.push('user:x', cmdNote, 'by app key')
    expect(await x.waitNotes(2)).toEqual(['by id', 'by app key'])
    expect(await a.cluster.call('user:x', cmdAsk, 'over nats?')).toBe('x answers over nats?')
    expect(await b.cluster.call(y.key.publicKey, cmdAsk, 'and back?')).toBe('y answers and back?')

    a.cluster.join(sessionOf(a, y), 'room')
    b.cluster.join(sessionOf(b, x), 'room')
    await b.bus.flush()
    a.cluster.publish('room', cmdNote, 'room message')
    await x.waitNotes(3)
    await y.waitNotes(1)
    expect(x.notes[2]).toBe('room message')
    expect(y.notes).toEqual(['room message'])
    for (const n of [a, b]) expect(n.cluster.stats.dropped).toEqual({ malformed: 0, unsealed: 0, sealed: 0, open: 0, replay: 0, oversize: 0, unexpected: 0 })
  })

  it('seals every payload: an eavesdropper sees no application data; forged, foreign and replayed payloads are dropped and counted', async () => {
    const key = randomBytes(32)
    const a = await node('a', { key, subjectPrefix: 'kp.t2' })
    const b = await node('b', { key, subjectPrefix: 'kp.t2' })
    const spy: NatsConnection = await natsConnect({ servers: nats.url })
    cleanup.push(() => spy.close())
    const seen: { subject: string; data: Uint8Array }[] = []
    spy.subscribe('kp.t2.>', {
      callback: (_e, m) => {
        seen.push({ subject: m.subject, data: m.data.slice() })
      },
    })
    await spy.flush()

    const x = await client(b, 'x')
    b.cluster.assign(sessionOf(b, x), 'user:alice@example.org')
    b.cluster.join(sessionOf(b, x), 'room-of-secrets')
    await until(() => a.cluster.locate('user:alice@example.org').length === 1)
    a.cluster.push('user:alice@example.org', cmdNote, 'the launch code is 0000')
    a.cluster.publish('room-of-secrets', cmdNote, 'meet at noon')
    await x.waitNotes(2)
    await spy.flush()
    const all = Buffer.concat(seen.map((s) => Buffer.from(s.data)))
    for (const secret of ['launch code', 'meet at noon', 'alice@example.org', x.key.publicKey.toBase64url()])
      expect(all.includes(Buffer.from(secret))).toBe(false)
    expect(seen.some((s) => s.subject.includes('secrets'))).toBe(false) // topic subjects are keyed hashes

    // replay a push to b: dropped
    const pushToB = seen.find((s) => s.subject === `kp.t2.n.${b.cluster.id}`)!
    const dropped = () => b.cluster.stats.dropped
    spy.publish(pushToB.subject, pushToB.data)
    // a node with another key, and bytes that are not a frame at all
    const foreign = await node('foreign', { key: randomBytes(32), subjectPrefix: 'kp.t2' })
    spy.publish('kp.t2.presence', randomBytes(100))
    await spy.flush()
    await until(() => dropped().replay === 1 && dropped().open >= 1 && dropped().malformed >= 1, 5000, 'drops counted')
    expect(x.notes).toHaveLength(2)
    expect(a.cluster.nodes().map((n) => n.name)).toEqual(['b'])
    expect(foreign.cluster.nodes()).toEqual([])
  })

  it('without a key the bus carries plain payloads, and a sealed node refuses them', async () => {
    const plain = await node('plain', { subjectPrefix: 'kp.t3', heartbeatMs: 100 })
    const sealed = await node('sealed', { key: randomBytes(32), subjectPrefix: 'kp.t3', heartbeatMs: 100 })
    await until(() => sealed.cluster.stats.dropped.unsealed >= 1, 5000, 'the plain hello was refused')
    expect(sealed.cluster.nodes()).toEqual([])
    expect(plain.cluster.nodes()).toEqual([])
  })

  it('a node whose NATS connection dies is forgotten within nodeTimeoutMs + heartbeatMs', async () => {
    const opts = { heartbeatMs: 100, nodeTimeoutMs: 400, subjectPrefix: 'kp.t4' }
    const a = await node('a', opts)
    const b = await node('b', opts)
    const x = await client(b, 'x')
    await until(() => a.cluster.locate(x.key.publicKey).length === 1)
    let downAt = 0
    a.cluster.on('nodeDown', () => (downAt = Date.now()))
    const t0 = Date.now()
    await b.bus.connection.close() // no goodbye: as if the process died
    expect(b.cluster.isClosed).toBe(true)
    await until(() => downAt > 0, 3000, 'a forgot b')
    expect(downAt - t0).toBeLessThanOrEqual(opts.nodeTimeoutMs + opts.heartbeatMs + 250) // + timer slack on a busy machine
    expect(a.cluster.locate(x.key.publicKey)).toEqual([])
  })

  it('a node without members of a topic receives none of its messages (interest-based subjects)', async () => {
    const opts = { heartbeatMs: 60_000, subjectPrefix: 'kp.t5' }
    const a = await node('a', opts)
    const b = await node('b', opts)
    const c = await node('c', opts)
    const x = await client(b, 'x')
    b.cluster.join(sessionOf(b, x), 'room')
    await new Promise((r) => setTimeout(r, 100))
    await b.bus.flush()
    const before = c.cluster.stats.received
    for (let i = 0; i < 20; i++) a.cluster.publish('room', cmdNote, `m${i}`)
    await x.waitNotes(20)
    await c.bus.flush()
    expect(c.cluster.stats.received).toBe(before)
  })

  it('passes credentials through: the wrong password is refused by NATS, the right one joins', async () => {
    const auth = await startNatsServer({ args: ['--user', 'kp', '--pass', 'cluster-secret'] })
    cleanup.push(() => auth.stop())
    await expect(natsBus({ servers: auth.url, user: 'kp', pass: 'wrong', maxReconnectAttempts: 0 })).rejects.toThrow(/Authorization|authorization/)
    const creds = { servers: auth.url, user: 'kp', pass: 'cluster-secret' }
    const a = await node('a', { subjectPrefix: 'kp.t6' }, creds)
    const b = await node('b', { subjectPrefix: 'kp.t6' }, creds)
    await until(() => a.cluster.nodes().length === 1 && b.cluster.nodes().length === 1, 5000, 'the two nodes see each other')
  })

  it('passes TLS options through: a node that trusts the server certificate connects over TLS', async () => {
    const { dir, keyFile, certFile: cert } = makeSelfSignedCert({ prefix: 'kp-nats-tls-', key: 'p256', days: 1 })
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
    const tls = await startNatsServer({ args: ['--tls', '--tlscert', cert, '--tlskey', keyFile] })
    cleanup.push(() => tls.stop())
    await expect(natsBus({ servers: tls.url, maxReconnectAttempts: 0 })).rejects.toThrow()
    const a = await node('a', { subjectPrefix: 'kp.t7' }, { servers: tls.url, tls: { caFile: cert } })
    const b = await node('b', { subjectPrefix: 'kp.t7' }, { servers: tls.url, tls: { caFile: cert } })
    expect(a.bus.connection.info?.tls_required).toBe(true)
    const x = await client(b, 'x')
    await until(() => a.cluster.locate(x.key.publicKey).length === 1)
    expect(await a.cluster.call(x.key.publicKey, cmdAsk, 'over tls?')).toBe('x answers over tls?')
  })
})
