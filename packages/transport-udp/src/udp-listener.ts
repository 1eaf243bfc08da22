import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import { AddressTable, NEW, type RoutingStats, type Slot } from './address-table.js'
import { TransportError, type Transport, type TransportListener } from '@kp/core'
import { ClusterRelay, type RelayStats } from './cluster-relay.js'
import { kernelDrops } from './kernel-drops.js'
import { type DatagramOutlet, UdpTransport } from './datagram-transport.js'
import { checkCommon, checkHostPort, checkInt, UDP_DEFAULTS, type UdpCommonOptions } from './options.js'
import { asBytes, formatAddress, literalLookup, resolveHost, sizeBuffers } from './socket-util.js'

/** Options of {@link udpListener}. */
export interface UdpListenerOptions extends UdpCommonOptions {
  /** Address to bind: an IP literal or a name. Default `'0.0.0.0'` (use `'::'` for IPv6 and, dual-stack, IPv4). */
  host?: string
  /** Port to bind; 0 picks a free one (see `listener.address.port`). */
  port: number
  /** Handshakes in progress before new HELLOs are dropped. Default 4 096 (core answers COOKIE above its own 1 024 first). */
  maxPending?: number
  /** Sessions (established or not) before new HELLOs are dropped. Default 65 536. */
  maxTransports?: number
  /**
   * Handshakes in progress beside the session of one source address: a second HELLO from an
   * address (a client restarting, or someone spoofing its address) starts one beside the
   * session, up to this many; newer ones are dropped and the older kept. A FINISH from the
   * address goes to each of them. Default 4.
   */
  maxPendingPerAddress?: number
  /**
   * Socket receive buffer asked of the kernel, bytes (best effort: Linux caps it at
   * `net.core.rmem_max`, often 208 KiB; see `listener.bufferSizes` for what it gave). Datagrams
   * that arrive while it is full are dropped by the kernel (`listener.kernelDrops()`). 0 keeps the
   * system default. Default 4 MiB.
   */
  recvBufferSize?: number
  /** Socket send buffer asked of the kernel, bytes (best effort, capped at `net.core.wmem_max`); 0 keeps the system default. Default 4 MiB. */
  sendBufferSize?: number
  /**
   * After `close()`, how long sessions still open may use the socket (to send their CLOSE) before
   * they are closed and the socket with them. Default 1 000 ms; core's `serve().close()` closes
   * its sessions right away, so this normally ends sooner.
   */
  closeGraceMs?: number
  /** Aborting before the socket is bound cancels the listen. */
  signal?: AbortSignal
  /**
   * Serve one port from every node:cluster worker (run `udpClusterPrimary()` in the primary):
   * node:cluster shares the socket and the kernel hands each datagram to any worker, so each
   * source address gets one owner and the others relay its datagrams to it over 127.0.0.1
   * (counted in `stats.relayedOut` / `relayedIn`). Nothing changes on the wire. Default false.
   */
  cluster?: boolean
}

/** Listener-level counters (no per-packet logging: read these instead). */
export interface UdpListenerStats extends RoutingStats, RelayStats {
  /** Datagrams received on the socket. */
  datagramsIn: number
  /** Datagrams handed to the socket. */
  datagramsOut: number
  /** Datagrams received that were larger than `maxDatagram` (dropped). */
  oversizeDatagrams: number
  /** Datagrams larger than a handshake frame (512 bytes) for a session not yet authenticated (dropped). */
  oversizeBeforeHandshake: number
  /** Datagrams beyond the 16 kept for a session whose handlers were not installed yet (dropped). */
  earlyDrops: number
  /** Datagrams not sent because the socket's send queue was over `maxSendQueue`. */
  sendDrops: number
  /** Sends the socket refused synchronously. */
  sendErrors: number
  /** `error` events of the socket (logged nowhere; the socket stays open). */
  socketErrors: number
}

/** A UDP server socket that serves every session; hand it to core's `serve`. */
export interface UdpListener extends TransportListener {
  /** Where the socket is bound (the real port when 0 was asked). */
  readonly address: { host: string; port: number }
  /** Listener-level drop counters. */
  readonly stats: Readonly<UdpListenerStats>
  /** Sessions open on this socket, established or not. */
  readonly sessions: number
  /** Handshakes in progress (sessions that core has not marked established). */
  readonly pendingHandshakes: number
  /** The `maxFrame` of this listener's transports. */
  readonly maxDatagram: number
  /** Resolves when the socket is closed (after `close()` and the last session sharing it). */
  readonly closed: Promise<void>
  /**
   * The socket's buffers as the kernel sized them, bytes (Linux reports twice what it grants, for
   * its bookkeeping, and caps the grant at `net.core.rmem_max` / `wmem_max`); 0 once closed.
   */
  readonly bufferSizes: { readonly recv: number; readonly send: number }
  /**
   * Datagrams the kernel dropped for the sockets bound to this port since they were bound (mostly:
   * the receive buffer was full, see `recvBufferSize`), or null where the system does not say
   * (read from /proc/net/udp and udp6 on Linux; clustered workers share one socket, so each sees
   * the total).
   */
  kernelDrops(): Promise<number | null>
  /**
   * Stops accepting new sessions at once and resolves. The socket stays open while sessions
   * opened through it are still open, so that their CLOSE messages go out (core's `serve().close()`
   * closes them right after its listeners); it closes with the last of them, or after
   * `closeGraceMs` at the latest, closing what is left with a `TransportError`. See {@link closed}.
   */
  close(): Promise<void>
}

class ServerOutlet implements DatagramOutlet {
  slot!: Slot<UdpTransport>
  constructor(
    private readonly listener: Listener,
    readonly address: string,
    readonly port: number,
  ) {}
  send(frame: Uint8Array): void {
    this.listener.sendTo(frame, this.port, this.address)
  }
  queued(): number {
    return this.listener.queued()
  }
  closed(): void {
    this.listener.forget(this.slot)
  }
  established(): void {
    this.listener.table.established(this.slot)
  }
  dropped(kind: 'oversize' | 'early'): void {
    if (kind === 'oversize') this.listener.stats.oversizeBeforeHandshake++
    else this.listener.stats.earlyDrops++
  }
}

class Listener implements UdpListener {
  readonly stats: UdpListenerStats = {
    datagramsIn: 0,
    datagramsOut: 0,
    oversizeDatagrams: 0,
    oversizeBeforeHandshake: 0,
    earlyDrops: 0,
    foreignDatagrams: 0,
    unexpectedDatagrams: 0,
    droppedHellos: 0,
    staleHellos: 0,
    sendDrops: 0,
    sendErrors: 0,
    socketErrors: 0,
    relayedOut: 0,
    relayedIn: 0,
    relayDrops: 0,
    relayForeign: 0,
  }
  readonly table: AddressTable<UdpTransport>
  readonly address: { host: string; port: number }
  private accept: ((t: Transport) => void) | null = null
  private closing: Promise<void> | null = null
  private socketClosed = false
  private graceTimer: ReturnType<typeof setTimeout> | undefined
  private resolveClosed!: () => void
  readonly closed = new Promise<void>((resolve) => (this.resolveClosed = resolve))
  private readonly ipv6: boolean
  /** node:cluster: who owns which source address (null: not clustered). */
  relay: ClusterRelay | null = null

  constructor(
    private readonly socket: Socket,
    readonly maxDatagram: number,
    private readonly maxSendQueue: number,
    limits: { maxPending: number; maxTransports: number; maxPendingPerAddress: number },
    private readonly closeGraceMs: number,
  ) {
    this.table = new AddressTable(limits, this.stats)
    const a = socket.address()
    this.address = { host: a.address, port: a.port }
    this.ipv6 = a.family === 'IPv6'
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo))
    socket.on('error', () => {
      // Unconnected UDP sockets report little (Linux: nothing for ICMP); never let it crash the process.
      this.stats.socketErrors++
    })
  }

  get sessions(): number {
    return this.table.size
  }

  get pendingHandshakes(): number {
    return this.table.pending
  }

  onConnection(accept: (t: Transport) => void): void {
    this.accept = accept
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    this.stats.datagramsIn++
    if (msg.length > this.maxDatagram) {
      this.stats.oversizeDatagrams++
      return
    }
    const key = formatAddress(rinfo.address, rinfo.port, this.ipv6)
    // clustered: a datagram whose source another worker owns goes to that worker
    if (this.relay !== null && !this.relay.route(key, msg, rinfo)) return
    this.handle(msg, key, rinfo)
  }

  /** A datagram relayed by a sibling worker: its source is ours. */
  readonly fromRelay = (msg: Buffer, rinfo: RemoteInfo): void => {
    if (msg.length > this.maxDatagram) {
      this.stats.oversizeDatagrams++
      return
    }
    this.handle(msg, formatAddress(rinfo.address, rinfo.port, this.ipv6), rinfo)
  }

  private handle(msg: Buffer, key: string, rinfo: RemoteInfo): void {
    const to = this.table.route(key, msg)
    if (to === null) return
    if (to instanceof UdpTransport) {
      to.datagram(asBytes(msg))
      return
    }
    if (to !== NEW) {
      // a FINISH for several handshakes of one address: each gets its own copy
      for (const t of to) t.datagram(new Uint8Array(msg))
      return
    }
    const accept = this.accept
    if (accept === null || this.closing !== null) {
      this.stats.droppedHellos++
      return
    }
    const outlet = new ServerOutlet(this, rinfo.address, rinfo.port)
    const t = new UdpTransport(outlet, key, this.maxDatagram, UDP_DEFAULTS.maxEarlyFrames)
    outlet.slot = this.table.add(key, msg, t)
    try {
      accept(t)
    } catch (e) {
      t.close(e instanceof Error ? e : new Error(String(e)))
      return
    }
    t.datagram(asBytes(msg))
  }

  sendTo(frame: Uint8Array, port: number, address: string): void {
    if (this.socketClosed) return
    if (this.socket.getSendQueueSize() > this.maxSendQueue) {
      this.stats.sendDrops++
      return
    }
    try {
      this.socket.send(frame, port, address)
      this.stats.datagramsOut++
    } catch {
      this.stats.sendErrors++
    }
  }

  queued(): number {
    return this.socketClosed ? 0 : this.socket.getSendQueueSize()
  }

  get bufferSizes(): { recv: number; send: number } {
    if (this.socketClosed) return { recv: 0, send: 0 }
    return { recv: this.socket.getRecvBufferSize(), send: this.socket.getSendBufferSize() }
  }

  kernelDrops(): Promise<number | null> {
    return kernelDrops(this.address.port)
  }

  forget(slot: Slot<UdpTransport>): void {
    this.table.remove(slot)
    if (this.closing !== null && this.table.size === 0) this.closeSocket()
  }

  /** True once `close` was called. */
  get isClosed(): boolean {
    return this.closing !== null
  }

  close(): Promise<void> {
    if (this.closing !== null) return this.closing
    this.accept = null
    if (this.table.size === 0) {
      this.closeSocket()
      this.closing = this.closed
      return this.closing
    }
    // The sessions share this socket: it stays open until core has closed them (their CLOSE
    // messages go out through it), and at most closeGraceMs.
    this.graceTimer = setTimeout(() => {
      for (const t of [...this.table.transports()]) t.close(new TransportError('UDP listener closed'))
      this.closeSocket()
    }, this.closeGraceMs)
    this.closing = Promise.resolve()
    return this.closing
  }

  private closeSocket(): void {
    if (this.socketClosed) return
    this.socketClosed = true
    this.relay?.close()
    if (this.graceTimer !== undefined) clearTimeout(this.graceTimer)
    this.socket.close(this.resolveClosed)
  }
}

/**
 * Binds a UDP socket that serves every Kiloparsec session on one port. Sessions are told apart
 * by source address and port; a datagram from an unknown address is accepted only if it is a
 * HELLO. Pass the listener to core's `serve` (or use {@link createUdpServer}).
 *
 * @example
 * const listener = await udpListener({ host: '127.0.0.1', port: 0 })
 * const server = serve(listener, api, { key })
 * console.log(listener.address.port)
 */
export async function udpListener(options: UdpListenerOptions): Promise<UdpListener> {
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object')
  checkHostPort(options.host, options.port, false)
  const { maxDatagram, maxSendQueue } = checkCommon(options)
  const maxPending = options.maxPending ?? UDP_DEFAULTS.maxPending
  checkInt('maxPending', maxPending, 1, Number.MAX_SAFE_INTEGER)
  const maxTransports = options.maxTransports ?? UDP_DEFAULTS.maxTransports
  checkInt('maxTransports', maxTransports, 1, Number.MAX_SAFE_INTEGER)
  const maxPendingPerAddress = options.maxPendingPerAddress ?? UDP_DEFAULTS.maxPendingPerAddress
  checkInt('maxPendingPerAddress', maxPendingPerAddress, 1, 64)
  const closeGraceMs = options.closeGraceMs ?? 1000
  checkInt('closeGraceMs', closeGraceMs, 0, 2_147_483_647)
  const recvBufferSize = options.recvBufferSize ?? UDP_DEFAULTS.recvBufferSize
  checkInt('recvBufferSize', recvBufferSize, 0, 2_147_483_647)
  const sendBufferSize = options.sendBufferSize ?? UDP_DEFAULTS.sendBufferSize
  checkInt('sendBufferSize', sendBufferSize, 0, 2_147_483_647)
  if (options.cluster !== undefined && typeof options.cluster !== 'boolean') throw new TypeError(`"cluster" expected a boolean, got ${typeof options.cluster}`)
  const signal = options.signal
  signal?.throwIfAborted()

  const { address, type } = await resolveHost(options.host ?? '0.0.0.0', options.type)
  signal?.throwIfAborted()
  const socket = createSocket({ type, lookup: literalLookup })
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error) => {
      signal?.removeEventListener('abort', onAbort)
      socket.close()
      reject(
        new TransportError(`cannot listen on udp ${formatAddress(address, options.port, type === 'udp6')}: ${e.message}`, {
          code: (e as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'kp.AddressInUse' : 'kp.Transport',
          cause: e,
        }),
      )
    }
    const onAbort = () => {
      socket.off('error', onError)
      socket.close()
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    socket.once('error', onError)
    socket.bind(options.port, address, () => {
      socket.off('error', onError)
      signal?.removeEventListener('abort', onAbort)
      resolve()
    })
  })
  sizeBuffers(socket, recvBufferSize, sendBufferSize)
  const listener = new Listener(socket, maxDatagram, maxSendQueue, { maxPending, maxTransports, maxPendingPerAddress }, closeGraceMs)
  if (options.cluster === true) {
    try {
      const a = listener.address
      listener.relay = await ClusterRelay.open(
        formatAddress(a.host, a.port, type === 'udp6'),
        listener.stats,
        { recvBufferSize, sendBufferSize, maxSendQueue },
        listener.fromRelay,
      )
    } catch (e) {
      await listener.close()
      throw e
    }
  }
  return listener
}
