import cluster, { type Worker } from 'node:cluster'
import type { JoinMessage, TableMessage } from './cluster-protocol.js'

/** Options of {@link udpClusterPrimary}. */
export interface UdpClusterPrimaryOptions {
  /**
   * Slots per UDP service: the number of workers that own sessions. Source addresses are spread
   * over the slots by a hash, so this must not change while the service runs; a worker that dies
   * leaves its slot to the next worker that joins (its sessions are gone with it anyway).
   */
  workers: number
}

/** A running {@link udpClusterPrimary}. */
export interface UdpClusterPrimary {
  /** Per service ("host:port"): the relay port of each slot's worker (0: no worker now). */
  readonly slots: ReadonlyMap<string, readonly number[]>
  /** Stops answering workers (the cluster keeps running). */
  close(): void
}

interface Group {
  /** Relay port of each slot's worker, 0: free. */
  relays: number[]
  /** Worker id → its slot (-1: joined when every slot was taken) and relay port. */
  members: Map<number, { slot: number; relayPort: number }>
}

/**
 * The primary's part of serving UDP on every core: run it in the node:cluster primary, and give
 * each worker's `udpListener` (or `createUdpServer`) the option `cluster: true`. Workers join with
 * the port of their relay socket; the primary gives each a slot and sends every worker of the
 * service the table of slots. Datagrams of one source address then always reach the worker that
 * owns it (see the listener's `cluster` option), without any change on the wire.
 *
 * @example
 * if (cluster.isPrimary) {
 *   udpClusterPrimary({ workers: 2 })
 *   for (let i = 0; i < 2; i++) cluster.fork()
 * } else {
 *   await createUdpServer(api, { key, port: 4000, cluster: true })
 * }
 */
export function udpClusterPrimary(options: UdpClusterPrimaryOptions): UdpClusterPrimary {
  if (!cluster.isPrimary) throw new TypeError('udpClusterPrimary() runs in the node:cluster primary')
  const size = options?.workers
  if (typeof size !== 'number' || !Number.isInteger(size))
    throw new TypeError(`"workers" expected an integer, got ${typeof size === 'number' ? size : typeof size}`)
  if (size < 1 || size > 1024) throw new RangeError(`"workers" expected 1..1024, got ${size}`)
  const groups = new Map<string, Group>()

  const broadcast = (service: string, g: Group) => {
    for (const [id, { slot }] of g.members) {
      const worker = cluster.workers?.[id]
      if (!worker?.isConnected()) continue
      const m: TableMessage = { kp: 'udp-cluster-table', service, slot, relays: g.relays }
      try {
        worker.send(m)
      } catch {
        // the worker is going away: its exit frees its slot
      }
    }
  }

  const onMessage = (worker: Worker, m: JoinMessage) => {
    if (m?.kp !== 'udp-cluster-join' || typeof m.service !== 'string' || !Number.isInteger(m.relayPort)) return
    let g = groups.get(m.service)
    if (!g) groups.set(m.service, (g = { relays: new Array<number>(size).fill(0), members: new Map() }))
    let slot = g.members.get(worker.id)?.slot ?? -1
    if (slot < 0) slot = g.relays.indexOf(0)
    if (slot >= 0) g.relays[slot] = m.relayPort
    g.members.set(worker.id, { slot, relayPort: m.relayPort })
    broadcast(m.service, g)
  }

  const onExit = (worker: Worker) => {
    for (const [service, g] of groups) {
      const member = g.members.get(worker.id)
      if (member === undefined) continue
      g.members.delete(worker.id)
      if (member.slot >= 0) {
        g.relays[member.slot] = 0
        // a worker that joined when every slot was taken takes the one that freed (it has no sessions yet)
        for (const spare of g.members.values()) {
          if (spare.slot >= 0) continue
          spare.slot = member.slot
          g.relays[member.slot] = spare.relayPort
          break
        }
      }
      broadcast(service, g)
    }
  }

  cluster.on('message', onMessage)
  cluster.on('exit', onExit)
  return {
    get slots() {
      return new Map([...groups].map(([s, g]) => [s, [...g.relays]]))
    },
    close() {
      cluster.off('message', onMessage)
      cluster.off('exit', onExit)
    },
  }
}
