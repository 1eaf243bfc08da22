import { PublicKey } from '@kp/crypto'
import { KnownServersError } from '../errors/known-servers-error.js'
import { assertServerName, type KnownServers } from './known-servers.js'

/** The part of the Web Storage API the store uses (`localStorage`, `sessionStorage`, a test double). */
export interface StorageLike {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

/** Options of {@link localStorageKnownServers}. */
export interface LocalStorageKnownServersOptions {
  /** Prefix of the storage keys; the server name follows. Default `'kp.known-server:'`. */
  prefix?: string
  /** The storage to use. Default `globalThis.localStorage` (checked when the store is made). */
  storage?: StorageLike
}

/** Default key prefix of {@link localStorageKnownServers}. */
export const DEFAULT_KNOWN_SERVER_PREFIX = 'kp.known-server:'

function unavailable(why: string, cause?: unknown): KnownServersError {
  return new KnownServersError(
    `localStorage is not available ${why}: keep known servers elsewhere (memoryKnownServers(), ` +
      "fileKnownServers(path) from '@kp/core/known-servers-file' in Node, or your own KnownServers store)",
    cause === undefined ? undefined : { cause },
  )
}

/** `globalThis.localStorage`, or a KnownServersError saying why it cannot be used. */
function defaultStorage(): StorageLike {
  let s: StorageLike | undefined
  try {
    // reading the property throws a SecurityError where storage is blocked (sandboxed frames, some privacy settings)
    s = (globalThis as { localStorage?: StorageLike }).localStorage
  } catch (e) {
    throw unavailable(`here (access refused: ${(e as Error)?.message ?? e})`, e)
  }
  if (s === undefined || s === null || typeof s.getItem !== 'function') throw unavailable('in this environment (no globalThis.localStorage)')
  return s
}

/**
 * A browser store: one `localStorage` entry per server, key `prefix + name`, value the
 * server's id (base64url). Records survive reloads and are shared by the pages of one origin.
 * Throws `KnownServersError` at once when localStorage is missing or blocked.
 *
 * @example
 * ```ts
 * const client = connect(wsConnector('wss://example.com/kp'), {
 *   knownServers: localStorageKnownServers(),
 *   serverName: 'wss://example.com/kp',
 * })
 * ```
 */
export function localStorageKnownServers(options: LocalStorageKnownServersOptions = {}): KnownServers {
  const prefix = options.prefix ?? DEFAULT_KNOWN_SERVER_PREFIX
  if (typeof prefix !== 'string') throw new TypeError(`"prefix" expected a string, got ${typeof prefix}`)
  const storage = options.storage ?? defaultStorage()
  const keyOf = (name: string) => prefix + assertServerName(name)

  const raw = (key: string): string | null => {
    try {
      return storage.getItem(key)
    } catch (e) {
      throw unavailable(`(reading "${key}" failed: ${(e as Error)?.message ?? e})`, e)
    }
  }

  const read = (name: string): PublicKey | null => {
    const key = keyOf(name)
    const value = raw(key)
    if (value === null) return null
    try {
      return PublicKey.from(value)
    } catch (e) {
      throw new KnownServersError(`localStorage key "${key}" holds no server id (${(e as Error).message}); remove it to record the server again`, { cause: e })
    }
  }

  const write = (key: string, value: string | null): void => {
    try {
      if (value === null) storage.removeItem(key)
      else storage.setItem(key, value)
    } catch (e) {
      throw unavailable(`(writing "${key}" failed: ${(e as Error)?.message ?? e})`, e)
    }
  }

  return {
    get: read,
    add: (name, id) => {
      const known = read(name)
      if (known) return known
      const key = PublicKey.from(id)
      write(keyOf(name), key.toBase64url())
      return key
    },
    forget: (name) => {
      // a malformed value can be forgotten too
      const key = keyOf(name)
      const had = raw(key) !== null
      write(key, null)
      return had
    },
    locate: (name) => `localStorage key "${keyOf(name)}"`,
  }
}
