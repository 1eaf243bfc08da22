/** One node of the cluster benchmark: a Kiloparsec TCP server joined through NATS, or socket.io joined through Redis. */
import { createServer } from 'node:http'
import { createCluster, natsBus } from '@kp/cluster-nats'
import { KiloInterface, PublicKey, SigningKey, serve, silentLogger } from '@kp/core'
import { tcpListener } from '@kp/transport-tcp'
import { createAdapter } from '@socket.io/redis-adapter'
import { Redis } from 'ioredis'
import { Server } from 'socket.io'
import { BURST, type ChildReply, cmdFan, cmdTick, FAN_TOPIC, LATENCY, now, type ServerCommand, type SystemName } from './protocol.js'

const [system, busUrl, keyHex, clusterKeyHex] = process.argv.slice(2) as [SystemName, string, string, string]

function reply(m: ChildReply): void {
  process.send?.(m)
}
process.on('disconnect', () => process.exit(0))

interface Node {
  push(target: string, phase: number, seq: number): void
  publish(seq: number): void
  sessions(): number
}

async function startKp(): Promise<{ node: Node; port: number }> {
  const key = SigningKey.fromHex(keyHex)
  const listener = await tcpListener({ host: '127.0.0.1', port: 0, maxConnections: 20_000 })
  const iface = new KiloInterface()
  const server = serve(listener, iface, {
    key,
    logger: silentLogger,
    maxHalfOpen: 100_000,
    maxHalfOpenPerAddress: 100_000,
    handshakesPerSecondPerAddress: 1_000_000,
  })
  const bus = await natsBus({ servers: busUrl })
  const cluster = await createCluster(server, bus, {
    key: system === 'kp-nats-sealed' ? hexBytes(clusterKeyHex) : undefined,
    logger: silentLogger,
    maxPendingCalls: 100_000,
  })
  iface.onConnected((ctx) => cluster.join(ctx, FAN_TOPIC))
  const targets = new Map<string, PublicKey>()
  return {
    port: listener.address.port,
    node: {
      push(target, phase, seq) {
        let pk = targets.get(target)
        if (!pk) targets.set(target, (pk = PublicKey.fromBase64url(target)))
        cluster.push(pk, cmdTick, { phase, seq, t: now() })
      },
      publish(seq) {
        cluster.publish(FAN_TOPIC, cmdFan, { seq, t: now() })
      },
      sessions: () => server.sessionCount,
    },
  }
}

async function startSocketIo(): Promise<{ node: Node; port: number }> {
  const http = createServer()
  const io = new Server(http, { transports: ['websocket'], serveClient: false })
  const pub = new Redis(busUrl)
  const sub = pub.duplicate()
  io.adapter(createAdapter(pub, sub))
  io.on('connection', (socket) => {
    const user = String(socket.handshake.auth?.user ?? '')
    if (user) socket.join(`user:${user}`)
    socket.join(FAN_TOPIC)
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  return {
    port: (http.address() as { port: number }).port,
    node: {
      push(target, phase, seq) {
        io.to(`user:${target}`).emit('tick', phase, seq, now())
      },
      publish(seq) {
        io.to(FAN_TOPIC).emit('fan', seq, now())
      },
      sessions: () => io.engine.clientsCount,
    },
  }
}

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!.map((h) => Number.parseInt(h, 16)))
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const turn = () => new Promise((r) => setImmediate(r))

const { node, port } = system === 'socketio-redis' ? await startSocketIo() : await startKp()
reply({ type: 'ready', port })

process.on('message', (m: ServerCommand) => {
  run(m).catch((e: unknown) => reply({ type: 'fatal', error: String((e as Error)?.stack ?? e) }))
})

async function run(m: ServerCommand): Promise<void> {
  switch (m.cmd) {
    case 'latency': {
      const startedAt = now()
      for (let i = 0; i < m.n; i++) {
        node.push(m.target, LATENCY, i)
        await sleep(m.intervalMs)
      }
      return reply({ type: 'done', startedAt })
    }
    case 'burst': {
      const startedAt = now()
      // as fast as the node can: 500 pushes per event-loop turn, so its I/O keeps moving
      for (let i = 0; i < m.n; i++) {
        node.push(m.target, BURST, i)
        if (i % 500 === 499) await turn()
      }
      return reply({ type: 'done', startedAt })
    }
    case 'fanout': {
      const startedAt = now()
      for (let i = 0; i < m.n; i++) {
        node.publish(i)
        await sleep(m.gapMs)
      }
      return reply({ type: 'done', startedAt, sessions: node.sessions() })
    }
    case 'cpu': {
      const u = process.cpuUsage()
      return reply({ type: 'cpu', userUs: u.user, systemUs: u.system, rss: process.memoryUsage().rss })
    }
  }
}
