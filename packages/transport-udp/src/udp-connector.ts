import { createSocket, type Socket } from 'node:dgram'
import { AbortedError, type Connector, TransportError } from '@kp/core'
import { type DatagramOutlet, UdpTransport } from './datagram-transport.js'
import { checkCommon, checkHostPort, checkInt, UDP_DEFAULTS, type UdpCommonOptions } from './options.js'
import { asBytes, formatAddress, literalLookup, resolveHost } from './socket-util.js'

/** Options of {@link udpConnector}. */
export interface UdpConnectorOptions extends UdpCommonOptions {
  /** Server host: an IP literal or a name (resolved on every connect). */
  host: string
  /** Server port. */
  port: number
  /** Local address to bind (default: any). */
  localAddress?: string
  /** Local port to bind (default 0: an ephemeral port, a new one per connect). */
  localPort?: number
  /** Socket receive buffer asked of the kernel, bytes (best effort; 0 leaves the OS default). Default 1 MiB. */
  recvBufferSize?: number
}

/** Client-side counters, summed over every transport the connector opened. */
export interface UdpConnectorStats {
  /** Datagrams received larger than `maxDatagram` (dropped). */
  oversizeDatagrams: number
  /** Datagrams larger than a handshake frame (512 bytes) received before the server was authenticated (dropped). */
  oversizeBeforeHandshake: number
  /** Datagrams beyond the 16 kept before the client's handlers were installed (dropped). */
  earlyDrops: number
  /** Datagrams not sent because the socket's send queue was over `maxSendQueue`. */
  sendDrops: number
  /** Sends the socket refused synchronously. */
  sendErrors: number
}

/** A {@link Connector} with the counters of the sockets it opened. */
export interface UdpConnector extends Connector {
  readonly stats: Readonly<UdpConnectorStats>
}

class ClientOutlet implements DatagramOutlet {
  closedSocket = false
  constructor(
    private readonly socket: Socket,
    private readonly stats: UdpConnectorStats,
    private readonly maxSendQueue: number,
  ) {}
  send(frame: Uint8Array): void {
    if (this.closedSocket) return
    if (this.socket.getSendQueueSize() > this.maxSendQueue) {
      this.stats.sendDrops++
      return
    }
    try {
      this.socket.send(frame)
    } catch {
      this.stats.sendErrors++
    }
  }
  queued(): number {
    return this.closedSocket ? 0 : this.socket.getSendQueueSize()
  }
  closed(): void {
    if (this.closedSocket) return
    this.closedSocket = true
    this.socket.close()
  }
  established(): void {}
  dropped(kind: 'oversize' | 'early'): void {
    if (kind === 'oversize') this.stats.oversizeBeforeHandshake++
    else this.stats.earlyDrops++
  }
}

/**
 * A connector to a Kiloparsec UDP server: each call opens its own socket, `connect()`ed to the
 * server so the kernel drops datagrams from anyone else, and returns one transport over it.
 * Closing the transport closes the socket. An ICMP "port unreachable" (nothing listens there)
 * closes the transport with a `TransportError` of code `kp.ConnectionRefused`.
 *
 * @example
 * const client = connect(udpConnector({ host: '127.0.0.1', port: 4000 }), { serverId })
 */
export function udpConnector(options: UdpConnectorOptions): UdpConnector {
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object')
  checkHostPort(options.host, options.port, true)
  const { maxDatagram, maxSendQueue } = checkCommon(options)
  if (options.port === 0) throw new RangeError('"port" expected 1..65535, got 0')
  const recvBufferSize = options.recvBufferSize ?? UDP_DEFAULTS.clientRecvBufferSize
  checkInt('recvBufferSize', recvBufferSize, 0, 2_147_483_647)
  const stats: UdpConnectorStats = { oversizeDatagrams: 0, oversizeBeforeHandshake: 0, earlyDrops: 0, sendDrops: 0, sendErrors: 0 }
  const { host, port, localAddress } = options
  const localPort = options.localPort ?? 0
  checkInt('localPort', localPort, 0, 65_535)

  const connector = async (signal?: AbortSignal) => {
    if (signal?.aborted) throw new AbortedError('UDP connect', { cause: signal.reason })
    const { address, type } = await resolveHost(host, options.type)
    if (signal?.aborted) throw new AbortedError('UDP connect', { cause: signal.reason })
    const remote = formatAddress(address, port, type === 'udp6')
    const socket = createSocket({ type, lookup: literalLookup })
    await new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => {
        signal?.removeEventListener('abort', onAbort)
        socket.off('error', onError)
        socket.close()
        reject(error)
      }
      const onError = (e: Error) => fail(new TransportError(`cannot open a UDP socket to ${remote}: ${e.message}`, { cause: e }))
      const onAbort = () => fail(new AbortedError('UDP connect', { cause: signal?.reason }))
      signal?.addEventListener('abort', onAbort, { once: true })
      socket.once('error', onError)
      const connect = () =>
        socket.connect(port, address, () => {
          signal?.removeEventListener('abort', onAbort)
          socket.off('error', onError)
          resolve()
        })
      if (localAddress === undefined && localPort === 0) connect()
      else socket.bind(localPort, localAddress, connect)
    })
    if (recvBufferSize > 0) {
      try {
        socket.setRecvBufferSize(recvBufferSize)
      } catch {
        // best effort: the kernel's limit applies
      }
    }
    const outlet = new ClientOutlet(socket, stats, maxSendQueue)
    const transport = new UdpTransport(outlet, remote, maxDatagram, UDP_DEFAULTS.maxEarlyFrames)
    socket.on('message', (msg) => {
      if (msg.length > maxDatagram) {
        stats.oversizeDatagrams++
        return
      }
      transport.datagram(asBytes(msg))
    })
    socket.on('error', (e: NodeJS.ErrnoException) => {
      // On a connected socket, Linux reports an ICMP port unreachable as ECONNREFUSED.
      if (e.code === 'ECONNREFUSED') {
        transport.close(new TransportError(`connection refused: nothing listens on udp ${remote}`, { code: 'kp.ConnectionRefused', cause: e }))
      } else transport.close(new TransportError(`UDP socket to ${remote} failed: ${e.message}`, { cause: e }))
    })
    return transport
  }
  return Object.assign(connector, { stats })
}
