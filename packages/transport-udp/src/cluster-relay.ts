import cluster from 'node:cluster'
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import { TransportError } from '@kp/core'
import { MAX_UDP_PAYLOAD } from './options.js'
import { sizeBuffers } from './socket-util.js'
import { decodeRelayed, type JoinMessage, ownerOf, relayHeader, type TableMessage } from './cluster-protocol.js'

/** Counters of a clustered listener's relaying (all 0 when it is not clustered). */
export interface RelayStats {
  /** Datagrams received here for a source another worker owns, relayed to it. */
  relayedOut: number
  /** Datagrams another worker received for a source this worker owns. */
  relayedIn: number
  /** Datagrams dropped because their owner's slot has no worker right now (starting, restarting), the relay socket's send queue was over `maxSendQueue`, the datagram was too close to the UDP maximum to carry the relay header (51 bytes at most), or a relay send failed. */
  relayDrops: number
  /** Datagrams on the relay socket that did not come from a sibling worker's relay socket (dropped). */
  relayForeign: number
}

/** How long a worker waits for the primary's slot table when it starts listening. */
const JOIN_TIMEOUT_MS = 10_000

/**
 * The worker side of a UDP listener shared by node:cluster workers. node:cluster gives every
 * worker the same socket and the kernel hands each datagram to whichever worker reads first, so
 * one session's datagrams would scatter. Here each source address has one owner (a hash of the
 * address over the slots the primary hands out, see `udpClusterPrimary`); a worker that receives
 * a datagram it does not own relays it, with its source address, to the owner's relay socket on
 * 127.0.0.1. The owner answers from its own copy of the shared socket, so the client sees one
 * server address and nothing on the wire changes. @internal
 */
export class ClusterRelay {
  /** This worker's slot (-1: none, every datagram is relayed). */
  slot = -1
  /** Relay port of each slot's worker (0: none now). */
  private relays: number[] = []
  private readonly siblings = new Set<number>()
  private closed = false

  private constructor(
    private readonly socket: Socket,
    private readonly service: string,
    private readonly stats: RelayStats,
    private readonly maxSendQueue: number,
    private readonly deliver: (datagram: Buffer, rinfo: RemoteInfo) => void,
  ) {
    socket.on('message', (msg, rinfo) => this.fromSibling(msg, rinfo))
    // a send the kernel refused after the call returned (unconnected UDP reports little): one datagram lost
    socket.on('error', () => {
      this.stats.relayDrops++
    })
    process.on('message', this.onTable)
  }

  /** Binds the relay socket, joins the primary's table for `service`, resolves once the first table arrived. */
  static async open(
    service: string,
    stats: RelayStats,
    sizes: { recvBufferSize: number; sendBufferSize: number; maxSendQueue: number },
    deliver: (datagram: Buffer, rinfo: RemoteInfo) => void,
  ): Promise<ClusterRelay> {
    if (!cluster.isWorker || typeof process.send !== 'function') {
      throw new TypeError('"cluster" expected a node:cluster worker, with udpClusterPrimary() running in the primary')
    }
    // exclusive: a relay socket of its own (node:cluster would otherwise share port 0 between workers)
    const socket = createSocket('udp4')
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind({ port: 0, address: '127.0.0.1', exclusive: true }, () => {
        socket.off('error', reject)
        resolve()
      })
    })
    sizeBuffers(socket, sizes.recvBufferSize, sizes.sendBufferSize)
    const relay = new ClusterRelay(socket, service, stats, sizes.maxSendQueue, deliver)
    try {
      await relay.join()
    } catch (e) {
      relay.close()
      throw e
    }
    return relay
  }

  private join(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.joined = null
        reject(
          new TransportError(`no UDP cluster table from the primary within ${JOIN_TIMEOUT_MS} ms: call udpClusterPrimary() in the primary`, {
            code: 'kp.Transport',
          }),
        )
      }, JOIN_TIMEOUT_MS)
      this.joined = () => {
        clearTimeout(timer)
        resolve()
      }
      const m: JoinMessage = { kp: 'udp-cluster-join', service: this.service, relayPort: this.socket.address().port }
      process.send!(m)
    })
  }

  private joined: (() => void) | null = null

  private readonly onTable = (m: unknown) => {
    const t = m as TableMessage
    if (t?.kp !== 'udp-cluster-table' || t.service !== this.service || !Array.isArray(t.relays)) return
    this.slot = t.slot
    this.relays = t.relays
    this.siblings.clear()
    for (const p of t.relays) if (p > 0) this.siblings.add(p)
    this.joined?.()
    this.joined = null
  }

  /** True when this worker owns datagrams from `source`; otherwise relays `msg` to its owner (or drops it) and returns false. */
  route(source: string, msg: Buffer, rinfo: RemoteInfo): boolean {
    const size = this.relays.length
    if (size === 0) {
      this.stats.relayDrops++
      return false
    }
    const owner = ownerOf(source, size)
    if (owner === this.slot) return true
    const port = this.relays[owner]!
    const header = port > 0 ? relayHeader(rinfo.address, rinfo.port) : null
    // the header takes up to 51 bytes: a datagram within that of the UDP maximum cannot be relayed
    if (header === null || header.length + msg.length > MAX_UDP_PAYLOAD || this.closed || this.socket.getSendQueueSize() > this.maxSendQueue) {
      this.stats.relayDrops++
      return false
    }
    try {
      this.socket.send([header, msg], port, '127.0.0.1')
      this.stats.relayedOut++
    } catch {
      this.stats.relayDrops++
    }
    return false
  }

  private fromSibling(msg: Buffer, rinfo: RemoteInfo): void {
    // only the relay sockets of this service's workers may speak here
    if (rinfo.address !== '127.0.0.1' || !this.siblings.has(rinfo.port)) {
      this.stats.relayForeign++
      return
    }
    const r = decodeRelayed(msg)
    if (r === null) {
      this.stats.relayForeign++
      return
    }
    this.stats.relayedIn++
    this.deliver(r.datagram as Buffer, { address: r.address, port: r.port, family: r.family, size: r.datagram.length })
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    process.off('message', this.onTable)
    this.socket.close()
  }
}
