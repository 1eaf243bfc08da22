/**
 * The host part of a transport's `remoteAddress` ("1.2.3.4:5", "[::1]:5", "memory:7"), the key
 * of per-peer limits. With `prefix`, the network a spoofer can cycle through cheaply: the /24 of
 * an IPv4 address, the /64 of an IPv6 address (datagram limits, where source addresses are
 * forged). @internal
 */
export function peerKey(remoteAddress: string, prefix: boolean): string {
  let host = remoteAddress
  if (host.startsWith('[')) {
    const end = host.indexOf(']')
    host = end > 0 ? host.slice(1, end) : host
  } else {
    const colon = host.lastIndexOf(':')
    // one colon: "host:port"; several without brackets: a bare IPv6 address
    if (colon > 0 && host.indexOf(':') === colon) host = host.slice(0, colon)
  }
  if (host.startsWith('::ffff:') && host.includes('.')) host = host.slice(7)
  if (!prefix) return host
  if (host.includes('.') && !host.includes(':')) {
    const parts = host.split('.')
    return parts.length === 4 ? `${parts[0]}.${parts[1]}.${parts[2]}.0/24` : host
  }
  if (host.includes(':')) return `${ipv6Prefix64(host)}::/64`
  return host
}

/** The first four groups of an IPv6 address, `::` expanded. */
function ipv6Prefix64(host: string): string {
  const zone = host.indexOf('%')
  if (zone >= 0) host = host.slice(0, zone)
  const [head = '', tail] = host.split('::')
  const left = head ? head.split(':') : []
  const right = tail !== undefined && tail !== '' ? tail.split(':') : []
  const groups = tail === undefined ? left : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
  return groups
    .slice(0, 4)
    .map((g) => (g === '' ? '0' : g.toLowerCase().replace(/^0+(?=.)/, '')))
    .join(':')
}
