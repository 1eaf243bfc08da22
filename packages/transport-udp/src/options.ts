/**
 * Largest UDP payload over IPv4 (65 535 − 20 IP − 8 UDP). Used for IPv6 too (which could carry
 * 65 527) so that one limit holds whatever the address family of a dual-stack server.
 */
export const MAX_UDP_PAYLOAD = 65_507

/** Smallest `maxDatagram` accepted: a HELLO is 256 bytes (PROTOCOL.md 4.1). */
export const MIN_DATAGRAM = 256

/** Defaults of the UDP listener and connector options. */
export const UDP_DEFAULTS = {
  /** Largest datagram sent or accepted (= the transports' `maxFrame`). */
  maxDatagram: MAX_UDP_PAYLOAD,
  /** Handshakes in progress per listener before new HELLOs are dropped (core's own limit, 1 024, answers with COOKIE first). */
  maxPending: 4096,
  /** Sessions (transports) per listener. */
  maxTransports: 65_536,
  /** Handshakes in progress beside the session of one source address (newer HELLOs beyond it are dropped). */
  maxPendingPerAddress: 4,
  /** Bytes the socket may have queued for sending before datagrams are dropped instead of queued. */
  maxSendQueue: 4 * 1024 * 1024,
  /** Datagrams kept for a session whose handler is not installed yet. */
  maxEarlyFrames: 16,
  /** Listener socket receive buffer asked of the kernel (best effort; Linux caps it at `net.core.rmem_max`). */
  recvBufferSize: 4 * 1024 * 1024,
  /** Listener socket send buffer asked of the kernel (best effort; Linux caps it at `net.core.wmem_max`). */
  sendBufferSize: 4 * 1024 * 1024,
  /** Client socket receive buffer asked of the kernel (best effort). */
  clientRecvBufferSize: 1024 * 1024,
} as const

/** Options shared by the listener and the connector. */
export interface UdpCommonOptions {
  /**
   * Largest datagram, in bytes, sent or accepted; the transports' `maxFrame`, so core refuses
   * larger messages with `MessageTooLargeError`. Default 65 507 (the IPv4 maximum, used for IPv6
   * too). Lower it (for example to 1 200, what fits any IPv6 path without fragmentation) where
   * fragmented datagrams are often lost. Range 256..65 507.
   */
  maxDatagram?: number
  /** Bytes the socket may queue for sending; beyond, datagrams are dropped and counted. Default 4 MiB. */
  maxSendQueue?: number
  /** `'udp4'` or `'udp6'`; default from the (resolved) host address. */
  type?: 'udp4' | 'udp6'
}

/** @internal */
export function checkCommon(o: UdpCommonOptions): { maxDatagram: number; maxSendQueue: number } {
  const maxDatagram = o.maxDatagram ?? UDP_DEFAULTS.maxDatagram
  checkInt('maxDatagram', maxDatagram, MIN_DATAGRAM, MAX_UDP_PAYLOAD)
  const maxSendQueue = o.maxSendQueue ?? UDP_DEFAULTS.maxSendQueue
  checkInt('maxSendQueue', maxSendQueue, 0, Number.MAX_SAFE_INTEGER)
  if (o.type !== undefined && o.type !== 'udp4' && o.type !== 'udp6') {
    throw new TypeError(`"type" expected 'udp4' or 'udp6', got ${String(o.type)}`)
  }
  return { maxDatagram, maxSendQueue }
}

/** @internal */
export function checkInt(name: string, v: unknown, min: number, max: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`"${name}" expected an integer, got ${typeof v === 'number' ? v : typeof v}`)
  if (v < min || v > max) throw new RangeError(`"${name}" expected ${min}..${max}, got ${v}`)
}

/** @internal */
export function checkHostPort(host: unknown, port: unknown, hostRequired: boolean): void {
  if (host === undefined ? hostRequired : typeof host !== 'string' || host === '') {
    throw new TypeError(`"host" expected a non-empty string, got ${host === '' ? "''" : typeof host}`)
  }
  checkInt('port', port, 0, 65_535)
}
