/**
 * What the workers of a UDP cluster agree on (see `udp-cluster-primary.ts`): which worker owns a
 * source address, the header of a datagram one worker relays to another, and the messages the
 * workers and the primary exchange over node:cluster's IPC. @internal
 */
import { isIP } from 'node:net'

/** The worker that owns datagrams from `source` ("host:port", "[v6]:port") among `size` slots: FNV-1a of the text. */
export function ownerOf(source: string, size: number): number {
  let h = 0x811c9dc5
  for (let i = 0; i < source.length; i++) {
    h ^= source.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return (h >>> 0) % size
}

/** First byte of a relayed datagram ("K"), then the version of this header. */
const MAGIC = 0x4b
const VERSION = 1

/**
 * `K ‖ version ‖ family (4 | 6) ‖ u8 length ‖ source address text (ASCII) ‖ u16 source port`:
 * the header a worker puts before a datagram it relays to the worker that owns its source (sent
 * as two buffers, the datagram not copied). At most 51 bytes. Returns null for an address that
 * is not an IP literal.
 */
export function relayHeader(address: string, port: number): Uint8Array | null {
  const family = isIP(address)
  if (family === 0 || address.length > 45) return null
  const n = address.length
  const out = new Uint8Array(6 + n)
  out[0] = MAGIC
  out[1] = VERSION
  out[2] = family
  out[3] = n
  for (let i = 0; i < n; i++) out[4 + i] = address.charCodeAt(i)
  out[4 + n] = port >>> 8
  out[5 + n] = port & 255
  return out
}

/** The header and the datagram in one array (what the relay socket receives). */
export function encodeRelayed(datagram: Uint8Array, address: string, port: number): Uint8Array | null {
  const header = relayHeader(address, port)
  if (header === null) return null
  const out = new Uint8Array(header.length + datagram.length)
  out.set(header)
  out.set(datagram, header.length)
  return out
}

/** Parses a relayed datagram; null when it is not one (wrong magic, version, family, length, address). */
export function decodeRelayed(b: Uint8Array): { address: string; port: number; family: 'IPv4' | 'IPv6'; datagram: Uint8Array } | null {
  if (b.length < 6 || b[0] !== MAGIC || b[1] !== VERSION) return null
  const family = b[2]
  const n = b[3]!
  if ((family !== 4 && family !== 6) || b.length < 6 + n + 1) return null
  const address = String.fromCharCode(...b.subarray(4, 4 + n))
  if (isIP(address) !== family) return null
  const port = (b[4 + n]! << 8) | b[5 + n]!
  return { address, port, family: family === 4 ? 'IPv4' : 'IPv6', datagram: b.subarray(6 + n) }
}

/** Worker → primary: this worker serves `service` and takes relayed datagrams on 127.0.0.1:`relayPort`. */
export interface JoinMessage {
  kp: 'udp-cluster-join'
  service: string
  relayPort: number
}

/** Primary → worker: the slots of `service`: `relays[i]` is the relay port of slot i's worker (0: none now); `slot` is the receiver's (-1: none). */
export interface TableMessage {
  kp: 'udp-cluster-table'
  service: string
  slot: number
  relays: number[]
}
