import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import { seededRandom } from '@kp/core/arq'

/** How one direction of the {@link lossyProxy} mistreats datagrams. All default to 0 (a clean link). */
export interface LinkImpairment {
  /** Probability (0..1) that a datagram is dropped. */
  loss?: number
  /** One-way delay added to every datagram, ms. */
  delayMs?: number
  /** Extra delay, uniform in [0, jitterMs), ms (reorders datagrams closer than the jitter). */
  jitterMs?: number
  /** Probability that a datagram is held back `reorderDelayMs` more, so later ones overtake it. */
  reorder?: number
  /** How long a reordered datagram is held back, ms. Default 10. */
  reorderDelayMs?: number
  /** Probability that a datagram is delivered twice (the copy with its own delay). */
  duplicate?: number
}

/** Options of {@link lossyProxy}. */
export interface LossyProxyOptions {
  /** The UDP server to forward to. `host` defaults to `'127.0.0.1'`. */
  target: { host?: string; port: number }
  /** Port to listen on (127.0.0.1); default 0 (any free port). */
  port?: number
  /** Seed of the impairments: each client and each direction gets its own reproducible stream. Default 1. */
  seed?: number
  /** Client → server impairments. */
  toServer?: LinkImpairment
  /** Server → client impairments. */
  toClient?: LinkImpairment
  /** Datagrams held (delayed) per direction before new ones are dropped (counted as `overflow`). Default 10 000. */
  maxQueue?: number
  /** Client source ports served at once; datagrams from more clients are dropped. Default 4 096. */
  maxClients?: number
}

/** Counters of one direction. */
export interface LinkStats {
  received: number
  forwarded: number
  lost: number
  duplicated: number
  reordered: number
  overflow: number
}

/** A datagram seen by the proxy (see {@link LossyProxy.onDatagram}). */
export interface ProxiedDatagram {
  direction: 'toServer' | 'toClient'
  /** The client's source, `"127.0.0.1:port"`. */
  client: string
  bytes: Uint8Array
}

/** A running lossy UDP proxy: point clients at `port` instead of the server. */
export interface LossyProxy {
  readonly host: string
  readonly port: number
  readonly stats: { readonly toServer: LinkStats; readonly toClient: LinkStats }
  /** Clients seen so far. */
  readonly clients: number
  /** Replaces the impairments of a direction (applies to datagrams from now on). */
  impair(direction: 'toServer' | 'toClient', impairment: LinkImpairment): void
  /** Observes every datagram received (before impairment); for capturing frames to replay. */
  onDatagram(fn: ((d: ProxiedDatagram) => void) | null): void
  /** Sends raw bytes to the server from `client`'s upstream socket (a replay or an injection). */
  sendToServer(client: string, bytes: Uint8Array): void
  /** Closes every socket and drops what is still held. */
  close(): Promise<void>
}

/** mulberry32 (shared with core's simulator): small, seeded, good enough for test impairments. */
const prng = seededRandom

const newStats = (): LinkStats => ({ received: 0, forwarded: 0, lost: 0, duplicated: 0, reordered: 0, overflow: 0 })

interface Client {
  key: string
  address: string
  port: number
  upstream: Socket
  toServer: () => number
  toClient: () => number
}

/**
 * A UDP proxy on 127.0.0.1 for tests: one upstream socket per client source port (so the server
 * still tells clients apart), with seeded per-direction loss, delay, jitter, reordering and
 * duplication, and bounded holding queues.
 *
 * @example
 * const proxy = await lossyProxy({ target: { port: server.port }, seed: 7, toServer: { loss: 0.2 }, toClient: { loss: 0.2 } })
 * const client = connect(udpConnector({ host: '127.0.0.1', port: proxy.port }), { serverId })
 */
export async function lossyProxy(options: LossyProxyOptions): Promise<LossyProxy> {
  const targetHost = options.target.host ?? '127.0.0.1'
  const targetPort = options.target.port
  const seed = options.seed ?? 1
  const maxQueue = options.maxQueue ?? 10_000
  const maxClients = options.maxClients ?? 4096
  const impair = { toServer: { ...options.toServer }, toClient: { ...options.toClient } }
  const stats = { toServer: newStats(), toClient: newStats() }
  const held = { toServer: 0, toClient: 0 }
  const timers = new Set<NodeJS.Timeout>()
  const clients = new Map<string, Client>()
  let clientCount = 0
  let closed = false
  let tap: ((d: ProxiedDatagram) => void) | null = null

  const front = createSocket('udp4')
  front.on('error', () => {})
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject)
    front.bind(options.port ?? 0, '127.0.0.1', () => {
      front.off('error', reject)
      try {
        front.setRecvBufferSize(4 * 1024 * 1024) // best effort: one process often plays every part in tests
      } catch {}
      resolve()
    })
  })

  const deliver = (direction: 'toServer' | 'toClient', c: Client, bytes: Buffer) => {
    if (closed) return
    stats[direction].forwarded++
    if (direction === 'toServer') c.upstream.send(bytes, targetPort, targetHost)
    else front.send(bytes, c.port, c.address)
  }

  const schedule = (direction: 'toServer' | 'toClient', c: Client, bytes: Buffer, delay: number) => {
    if (delay <= 0) return deliver(direction, c, bytes)
    if (held[direction] >= maxQueue) {
      stats[direction].overflow++
      return
    }
    held[direction]++
    const timer = setTimeout(() => {
      timers.delete(timer)
      held[direction]--
      deliver(direction, c, bytes)
    }, delay)
    timers.add(timer)
  }

  const forward = (direction: 'toServer' | 'toClient', c: Client, bytes: Buffer) => {
    const s = stats[direction]
    s.received++
    tap?.({ direction, client: c.key, bytes })
    const r = direction === 'toServer' ? c.toServer : c.toClient
    const im = impair[direction]
    // draw the same number of values for every datagram, so one seed gives one story
    const rLoss = r()
    const rJitter = r()
    const rReorder = r()
    const rDup = r()
    const rDupJitter = r()
    if (rLoss < (im.loss ?? 0)) {
      s.lost++
      return
    }
    let delay = (im.delayMs ?? 0) + rJitter * (im.jitterMs ?? 0)
    if (rReorder < (im.reorder ?? 0)) {
      s.reordered++
      delay += im.reorderDelayMs ?? 10
    }
    schedule(direction, c, bytes, delay)
    if (rDup < (im.duplicate ?? 0)) {
      s.duplicated++
      schedule(direction, c, bytes, (im.delayMs ?? 0) + rDupJitter * (im.jitterMs ?? 0))
    }
  }

  const clientFor = (rinfo: RemoteInfo): Client | null => {
    const key = `${rinfo.address}:${rinfo.port}`
    const known = clients.get(key)
    if (known) return known
    if (clients.size >= maxClients) return null
    const n = clientCount++
    const upstream = createSocket('udp4')
    upstream.on('error', () => {})
    const c: Client = {
      key,
      address: rinfo.address,
      port: rinfo.port,
      upstream,
      toServer: prng(seed * 7919 + n * 2),
      toClient: prng(seed * 7919 + n * 2 + 1),
    }
    upstream.on('message', (m) => forward('toClient', c, m))
    upstream.bind(0, '127.0.0.1')
    clients.set(key, c)
    return c
  }

  front.on('message', (m, rinfo) => {
    if (closed) return
    const c = clientFor(rinfo)
    if (c === null) {
      stats.toServer.overflow++
      return
    }
    forward('toServer', c, m)
  })

  const port = front.address().port
  return {
    host: '127.0.0.1',
    port,
    stats,
    get clients() {
      return clients.size
    },
    impair(direction, impairment) {
      impair[direction] = { ...impairment }
    },
    onDatagram(fn) {
      tap = fn
    },
    sendToServer(client, bytes) {
      const c = clients.get(client)
      if (!c) throw new Error(`no client ${client} on this proxy`)
      c.upstream.send(bytes, targetPort, targetHost)
    },
    async close() {
      if (closed) return
      closed = true
      for (const t of timers) clearTimeout(t)
      timers.clear()
      const all = [front, ...[...clients.values()].map((c) => c.upstream)]
      clients.clear()
      await Promise.all(all.map((s) => new Promise<void>((r) => s.close(() => r()))))
    },
  }
}
