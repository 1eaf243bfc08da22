import { lookup } from 'node:dns/promises'
import type { Socket, SocketOptions } from 'node:dgram'
import { isIP } from 'node:net'

/**
 * A `lookup` for `dgram.createSocket` that takes its argument as already resolved: every address
 * we send to is an IP literal (resolved once, or from a received datagram). Node's default goes
 * through `dns.lookup`, which defers every single `send` to the next tick.
 * @internal
 */
export const literalLookup = ((address: string, _family: unknown, callback: (e: Error | null, a: string, f: number) => void) => {
  callback(null, address, isIP(address) === 6 ? 6 : 4)
}) as unknown as NonNullable<SocketOptions['lookup']>

/** Resolves `host` to one IP literal and its socket type. @internal */
export async function resolveHost(host: string, type?: 'udp4' | 'udp6'): Promise<{ address: string; type: 'udp4' | 'udp6' }> {
  const literal = isIP(host)
  if (literal !== 0) return { address: host, type: type ?? (literal === 6 ? 'udp6' : 'udp4') }
  const r = await lookup(host, type === undefined ? {} : { family: type === 'udp6' ? 6 : 4 })
  return { address: r.address, type: type ?? (r.family === 6 ? 'udp6' : 'udp4') }
}

/** `"127.0.0.1:5000"` or `"[::1]:5000"`. @internal */
export function formatAddress(address: string, port: number, ipv6: boolean): string {
  return ipv6 ? `[${address}]:${port}` : `${address}:${port}`
}

/** A plain `Uint8Array` over a received `Buffer` (same memory): core gets what the contract says. @internal */
export function asBytes(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}

/** Asks the kernel for the buffer sizes (0: keep the system's); best effort, Linux caps them silently. @internal */
export function sizeBuffers(socket: Socket, recv: number, send: number): void {
  try {
    if (recv > 0) socket.setRecvBufferSize(recv)
  } catch {
    // best effort: the kernel's limit applies
  }
  try {
    if (send > 0) socket.setSendBufferSize(send)
  } catch {
    // best effort
  }
}
