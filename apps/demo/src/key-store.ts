/**
 * The server's Ed25519 identity, kept on disk so its id (which clients pin) survives restarts:
 * `server.key` (secret seed, hex, mode 0600) and `server.pub` (the public id, for local clients)
 * in a data directory created with mode 0700.
 */
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PublicKey, SigningKey } from '@kp/core'
import { FatalError, KEY_FILE, PUBLIC_KEY_FILE } from './cli-util.js'

/** The identity and where it lives. */
export interface StoredKey {
  key: SigningKey
  /** True when this run created the key (first run). */
  created: boolean
  keyFile: string
  publicKeyFile: string
  /** Warnings to show (e.g. permissions that were too open and were fixed). */
  warnings: string[]
}

/** Loads the key from `dir`, or creates it (and the directory) on first run. */
export async function loadOrCreateKey(dir: string): Promise<StoredKey> {
  const keyFile = join(dir, KEY_FILE)
  const publicKeyFile = join(dir, PUBLIC_KEY_FILE)
  const warnings: string[] = []
  await ensureDir(dir, warnings)

  let key: SigningKey | null = null
  let created = false
  try {
    key = await readKey(keyFile, warnings)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
  }
  if (key === null) {
    const fresh = SigningKey.generate()
    try {
      // 'wx': never overwrite a key another process wrote meanwhile.
      await writeFile(keyFile, `${fresh.toHex()}\n`, { mode: 0o600, flag: 'wx' })
      await chmod(keyFile, 0o600) // in case of an unusual umask
      key = fresh
      created = true
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw fail(`cannot write ${keyFile}`, e)
      key = await readKey(keyFile, warnings)
    }
  }
  // The public half, for clients on this machine (`--server-id` may then be left out).
  const id = `${key.publicKey.toBase64url()}\n`
  const existing = await readFile(publicKeyFile, 'utf8').catch(() => null)
  if (existing !== id) {
    try {
      await writeFile(publicKeyFile, id, { mode: 0o644 })
    } catch (e) {
      throw fail(`cannot write ${publicKeyFile}`, e)
    }
  }
  return { key, created, keyFile, publicKeyFile, warnings }
}

/** Reads the server id a server stored in `dir`, or null when there is none. */
export async function readStoredServerId(dir: string): Promise<PublicKey | null> {
  const file = join(dir, PUBLIC_KEY_FILE)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return null
  }
  try {
    return PublicKey.from(text.trim())
  } catch (e) {
    throw new FatalError(`${file} does not hold a server id (${(e as Error).message}); delete it and restart the server`)
  }
}

async function ensureDir(dir: string, warnings: string[]): Promise<void> {
  let made: string | undefined
  try {
    made = await mkdir(dir, { recursive: true, mode: 0o700 })
  } catch (e) {
    throw fail(`cannot create the data directory ${dir}`, e)
  }
  if (made !== undefined) {
    await chmod(dir, 0o700)
    return
  }
  const s = await stat(dir).catch((e) => {
    throw fail(`cannot read the data directory ${dir}`, e)
  })
  if (!s.isDirectory()) throw new FatalError(`the data directory ${dir} is not a directory`)
  if ((s.mode & 0o022) !== 0) warnings.push(`the data directory ${dir} is writable by others (mode ${(s.mode & 0o777).toString(8)}); 0700 is advised`)
}

async function readKey(file: string, warnings: string[]): Promise<SigningKey> {
  const text = await readFile(file, 'utf8') // ENOENT goes to the caller
  const s = await stat(file)
  if ((s.mode & 0o077) !== 0) {
    await chmod(file, 0o600).catch(() => {})
    warnings.push(`${file} was readable by others (mode ${(s.mode & 0o777).toString(8)}); changed to 0600`)
  }
  const seed = text.trim()
  if (!/^[0-9a-fA-F]{64}$/.test(seed)) {
    throw new FatalError(
      `${file} does not hold an Ed25519 seed (64 hex digits). Restore it from a backup, or delete it to make a new server id (clients pinning the old id will then refuse this server)`,
    )
  }
  return SigningKey.fromHex(seed)
}

function fail(what: string, e: unknown): FatalError {
  const err = e as NodeJS.ErrnoException
  return new FatalError(`${what}: ${err.code ?? err.message}`, { cause: e })
}
