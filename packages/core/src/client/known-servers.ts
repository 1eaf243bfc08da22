import { PublicKey } from '@kp/crypto'

/**
 * Where a client keeps the ids of the servers it has met (trust on first use, like SSH's
 * `known_hosts`): one id per server name. Implementations in this package:
 * {@link memoryKnownServers}, {@link localStorageKnownServers} (browsers) and
 * `fileKnownServers(path)` from `@kp/core/known-servers-file` (Node). Any object with these
 * four methods works (IndexedDB, a database, a settings service); methods may be synchronous
 * or return promises.
 *
 * @example
 * ```ts
 * import { fileKnownServers } from '@kp/core/known-servers-file'
 * const client = connect(tcpConnector({ host: 'example.com', port: 4000 }), {
 *   knownServers: fileKnownServers('~/.config/my-app/known_servers'),
 *   serverName: 'example.com:4000',
 * })
 * ```
 */
export interface KnownServers {
  /** The id on record for `name`, or null when the server was never met. */
  get(name: string): PublicKey | null | Promise<PublicKey | null>
  /**
   * Records `id` for `name` unless an id is already on record, and returns the id on record
   * after the call: `id` itself, or the one another writer recorded first (the caller compares).
   * Never replaces an existing record: to accept a new key, `forget` the old one first.
   */
  add(name: string, id: PublicKey): PublicKey | Promise<PublicKey>
  /** Removes the record of `name` (the next connection records again); true when there was one. */
  forget(name: string): boolean | Promise<boolean>
  /** Where the record of `name` is kept, for messages: a file path, a localStorage key. */
  locate(name: string): string
}

/** Longest server name a store accepts. */
export const MAX_SERVER_NAME_LENGTH = 1024

/**
 * Checks a server name: a non-empty string of at most 1024 characters, without whitespace or
 * control characters (it is one field of a `known_servers` line), not starting with `#`.
 * TypeError / RangeError naming `arg` otherwise.
 */
export function assertServerName(name: unknown, arg = 'name'): string {
  if (typeof name !== 'string')
    throw new TypeError(`"${arg}" expected a string (a server name such as "example.com:4000"), got ${name === null ? 'null' : typeof name}`)
  if (name.length === 0 || name.length > MAX_SERVER_NAME_LENGTH) {
    throw new RangeError(`"${arg}" expected 1 to ${MAX_SERVER_NAME_LENGTH} characters, got length=${name.length}`)
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  const bad = name.search(/[\s\u0000-\u001f\u007f]/)
  if (bad >= 0) throw new RangeError(`"${arg}" must not contain whitespace or control characters (found one at index ${bad})`)
  if (name.startsWith('#')) throw new RangeError(`"${arg}" must not start with "#" (a comment in a known_servers file)`)
  return name
}

/** Checks that `store` has the methods of {@link KnownServers}. */
export function assertKnownServers(store: unknown, arg = 'knownServers'): KnownServers {
  const s = store as Record<string, unknown> | null
  for (const m of ['get', 'add', 'forget', 'locate']) {
    if (typeof s !== 'object' || s === null || typeof s[m] !== 'function') {
      throw new TypeError(
        `"${arg}" expected a KnownServers store (get, add, forget, locate), such as memoryKnownServers() or fileKnownServers(path); ${m}() is missing`,
      )
    }
  }
  return store as KnownServers
}

/**
 * A store in memory, for tests and for apps that keep ids elsewhere (pass the entries they
 * loaded). Records last as long as the store object.
 *
 * @example
 * ```ts
 * const known = memoryKnownServers({ 'example.com:4000': 'Vb3l...' })
 * ```
 */
export function memoryKnownServers(
  entries?: Record<string, PublicKey | Uint8Array | string> | Iterable<readonly [string, PublicKey | Uint8Array | string]>,
): KnownServers {
  const map = new Map<string, PublicKey>()
  if (entries !== undefined) {
    const list = Symbol.iterator in Object(entries) ? (entries as Iterable<readonly [string, PublicKey | Uint8Array | string]>) : Object.entries(entries)
    for (const [name, id] of list) map.set(assertServerName(name, 'entries'), PublicKey.from(id))
  }
  return {
    get: (name) => map.get(assertServerName(name)) ?? null,
    add: (name, id) => {
      const known = map.get(assertServerName(name))
      if (known) return known
      const key = PublicKey.from(id)
      map.set(name, key)
      return key
    },
    forget: (name) => map.delete(assertServerName(name)),
    locate: () => 'memory (this process only)',
  }
}
