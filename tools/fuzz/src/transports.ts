/** The transports of the long run: how a server listens and how clients connect, by name. */
import type { Connector, TransportListener } from '@kp/core'
import { tcpConnector, tcpListener } from '@kp/transport-tcp'
import { udpConnector, udpListener } from '@kp/transport-udp'
import { wsConnector } from '@kp/transport-ws-client'
import { wsListener } from '@kp/transport-ws-server'

/** One transport of the run. */
export interface TransportSpec {
  name: TransportName
  /** Ordered and lossless (TCP, WebSocket). */
  reliable: boolean
  /** UDP in reliable datagram mode (the clients ask for it). */
  arq: boolean
  /** Starts a listener on 127.0.0.1, a free port. */
  listen(): Promise<TransportListener>
  /** A connector to a server of this transport on `port`. */
  connector(port: number): Connector
  /** Listener-level counters reported with the server's state. */
  counters?(listener: TransportListener): Record<string, number>
}

/** Names accepted by `--only`. */
export const TRANSPORT_NAMES = ['tcp', 'ws', 'udp', 'udp-reliable'] as const
export type TransportName = (typeof TRANSPORT_NAMES)[number]

const udp = (arq: boolean): TransportSpec => ({
  name: arq ? 'udp-reliable' : 'udp',
  reliable: false,
  arq,
  listen: () => udpListener({ host: '127.0.0.1', port: 0 }),
  connector: (port) => udpConnector({ host: '127.0.0.1', port }),
  counters: (l) => {
    const u = l as Awaited<ReturnType<typeof udpListener>>
    return { udpSessions: u.sessions, udpPending: u.pendingHandshakes, foreignDatagrams: u.stats.foreignDatagrams, droppedHellos: u.stats.droppedHellos }
  },
})

/** Every transport of the run, by name. */
export const TRANSPORTS: Record<TransportName, TransportSpec> = {
  tcp: {
    name: 'tcp',
    reliable: true,
    arq: false,
    listen: () => tcpListener({ host: '127.0.0.1', port: 0 }),
    connector: (port) => tcpConnector({ host: '127.0.0.1', port }),
    counters: (l) => ({ tcpConnections: (l as Awaited<ReturnType<typeof tcpListener>>).connectionCount }),
  },
  ws: {
    name: 'ws',
    reliable: true,
    arq: false,
    listen: () => wsListener({ host: '127.0.0.1', port: 0 }),
    connector: (port) => wsConnector(`ws://127.0.0.1:${port}/kp`),
  },
  udp: udp(false),
  'udp-reliable': udp(true),
}
