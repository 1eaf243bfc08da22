import { readFile } from 'node:fs/promises'

/**
 * Datagrams the kernel dropped for the UDP sockets bound to local `port` (Linux: the `drops`
 * column of /proc/net/udp and /proc/net/udp6, mostly a full receive buffer), summed; null where
 * those files cannot be read (other systems). Node does not expose SO_RXQ_OVFL, so this is the
 * only place the count lives. Reads the whole tables: call it now and then, not per datagram.
 * @internal
 */
export async function kernelDrops(port: number): Promise<number | null> {
  let found = false
  let drops = 0
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    let text: string
    try {
      text = await readFile(file, 'latin1')
    } catch {
      continue
    }
    found = true
    drops += dropsIn(text, port)
  }
  return found ? drops : null
}

/** The sum of the `drops` column of the rows of a /proc/net/udp table whose local port is `port`. @internal */
export function dropsIn(table: string, port: number): number {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`
  let drops = 0
  let start = table.indexOf('\n') + 1 // past the header
  while (start > 0 && start < table.length) {
    let end = table.indexOf('\n', start)
    if (end < 0) end = table.length
    // "  sl  local_address rem_address   st tx_queue:rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops"
    const f = table.slice(start, end).trim().split(/\s+/)
    const local = f[1]
    if (local?.endsWith(hexPort) && f.length >= 13) {
      const d = Number(f[f.length - 1])
      if (Number.isSafeInteger(d)) drops += d
    }
    start = end + 1
  }
  return drops
}
