/**
 * Checks and normalises a server URL: only `ws://` and `wss://` are accepted (an `http(s)://`
 * URL is refused rather than rewritten, so a typo does not silently downgrade `wss` to `ws`).
 * @internal
 */
export function parseWsUrl(url: unknown): URL {
  let parsed: URL | null = null
  if (typeof url === 'string') {
    try {
      parsed = new URL(url)
    } catch {
      parsed = null
    }
  } else if (url instanceof URL) {
    parsed = new URL(url.href)
  } else {
    throw new TypeError(`"url" expected a ws:// or wss:// URL (string or URL), got ${describe(url)}`)
  }
  if (!parsed || (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:')) {
    throw new TypeError(`"url" expected a ws:// or wss:// URL such as "ws://localhost:8080/kp", got ${JSON.stringify(String(url))}`)
  }
  if (parsed.hash) throw new TypeError(`"url" must not have a #fragment, got ${JSON.stringify(parsed.href)}`)
  return parsed
}

/** `host:port` of a ws URL, with the default port filled in, for `remoteAddress`. @internal */
export function hostPort(url: URL): string {
  return `${url.hostname}:${url.port || (url.protocol === 'wss:' ? '443' : '80')}`
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'object') return value.constructor?.name ?? 'object'
  return typeof value
}
