/// <reference types="node" />
import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, resolve } from 'node:path'
import { PublicKey } from '@kp/crypto'
import { assertServerName, type KnownServers } from '../client/known-servers.js'
import { KnownServersError } from '../errors/known-servers-error.js'
import { withFileLock } from './file-lock.js'
import { appendKnownServer, type KnownServerLine, parseKnownServers, removeKnownServer } from './known-servers-text.js'

/** Options of {@link fileKnownServers}. */
export interface FileKnownServersOptions {
  /** How long a write waits for another process's lock. Default 10 000 ms. */
  lockTimeoutMs?: number
  /** A lock file older than this was left by a dead process and is broken. Default 30 000 ms. */
  staleLockMs?: number
}

/** `~` and `~/...` to the home directory, then absolute. */
function expandPath(path: string): string {
  if (path === '~') return homedir()
  if (path.startsWith('~/') || path.startsWith('~\\')) return resolve(homedir(), path.slice(2))
  return resolve(path)
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return ''
    throw new KnownServersError(`cannot read ${path}: ${(e as Error).message}`, { cause: e })
  }
}

/** Replaces `path` with `text` atomically: a temporary file (mode 0600) in the same directory, synced, renamed over it. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`
  try {
    const fh = await open(tmp, 'wx', 0o600)
    try {
      await fh.writeFile(text, 'utf8')
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, path)
  } catch (e) {
    await unlink(tmp).catch(() => {})
    throw new KnownServersError(`cannot write ${path}: ${(e as Error).message}`, { cause: e })
  }
}

/**
 * A Node store in one text file, like SSH's `known_hosts`: one `name id` line per server
 * (`example.com:4000 Vb3l...`), `#` comments and blank lines allowed, a malformed line refused
 * with its line number. `~/` is the home directory. The file and its directory are created on
 * the first record (file mode 0600, directory 0700). Writes hold a lock file (`<path>.lock`)
 * and replace the file atomically (temporary file, then rename), so processes recording at
 * the same time neither lose a record nor leave a torn file; reads need no lock.
 *
 * @example
 * ```ts
 * import { connect } from '@kp/core'
 * import { fileKnownServers } from '@kp/core/known-servers-file'
 * const client = connect(tcpConnector({ host: 'example.com', port: 4000 }), {
 *   knownServers: fileKnownServers('~/.config/my-app/known_servers'),
 *   serverName: 'example.com:4000',
 * })
 * ```
 */
export function fileKnownServers(path: string, options: FileKnownServersOptions = {}): KnownServers {
  if (typeof path !== 'string') throw new TypeError(`"path" expected a string, got ${typeof path}`)
  if (path.length === 0) throw new RangeError('"path" expected a file path, got an empty string')
  const file = expandPath(path)
  const lock = {
    timeoutMs: options.lockTimeoutMs ?? 10_000,
    staleMs: options.staleLockMs ?? 30_000,
  }
  for (const [k, v] of Object.entries(lock)) {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`"${k === 'timeoutMs' ? 'lockTimeoutMs' : 'staleLockMs'}" expected a number >= 0, got ${v}`)
  }
  const entries = async (): Promise<{ text: string; map: Map<string, KnownServerLine> }> => {
    const text = await readText(file)
    return { text, map: parseKnownServers(text, file) }
  }
  const locked = async <T>(job: () => Promise<T>): Promise<T> => {
    try {
      await mkdir(dirname(file), { recursive: true, mode: 0o700 })
    } catch (e) {
      throw new KnownServersError(`cannot create the directory of ${file}: ${(e as Error).message}`, { cause: e })
    }
    return withFileLock(`${file}.lock`, lock, job)
  }

  return {
    async get(name) {
      assertServerName(name)
      return (await entries()).map.get(name)?.id ?? null
    },
    add(name, id) {
      assertServerName(name)
      const key = PublicKey.from(id)
      return locked(async () => {
        const { text, map } = await entries()
        const known = map.get(name)
        if (known) return known.id
        await writeAtomic(file, appendKnownServer(text, name, key))
        return key
      })
    },
    forget(name) {
      assertServerName(name)
      return locked(async () => {
        const { text, map } = await entries()
        if (!map.has(name)) return false
        await writeAtomic(file, removeKnownServer(text, name))
        return true
      })
    },
    locate: (name) => `${file} (the line starting with "${name} ")`,
  }
}
