const HTTP_METHODS = ['GET ', 'POST', 'HEAD', 'PUT ', 'OPTI', 'DELE', 'PATC', 'CONN', 'TRAC', 'PRI ']

/**
 * What a peer speaks when its first bytes are not Kiloparsec framing (PROTOCOL.md 8), for an
 * error that says so: `'an HTTP response'` (a TCP client pointed at an HTTP port), `'an HTTP
 * request'` or `'TLS'` (a browser, curl or a TLS client pointed at the Kiloparsec port), or null.
 * Looks at the first bytes only; a Kiloparsec stream starts with a HELLO frame of 256 bytes
 * (`01 04 01 04`), so none of these prefixes can be one. @internal
 */
export function foreignProtocol(first: Uint8Array): string | null {
  if (first.length < 4) return null
  const head = String.fromCharCode(first[0]!, first[1]!, first[2]!, first[3]!)
  if (head === 'HTTP') return 'an HTTP response'
  if (HTTP_METHODS.includes(head)) return 'an HTTP request'
  // TLS record: handshake (22), version 3.x
  if (first[0] === 0x16 && first[1] === 0x03) return 'TLS'
  return null
}
