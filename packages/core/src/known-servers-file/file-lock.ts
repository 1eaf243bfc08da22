/// <reference types="node" />
import { randomBytes } from 'node:crypto'
import { open, rename, stat, unlink } from 'node:fs/promises'
import { KnownServersError } from '../errors/known-servers-error.js'

/** Options of {@link withFileLock}. */
export interface FileLockOptions {
  /** Give up after this long. */
  timeoutMs: number
  /** A lock file older than this was left by a process that died: it is broken. */
  staleMs: number
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/**
 * Runs `job` while holding `lockPath`, a lock file created with O_EXCL (works between processes
 * on one machine and on local file systems). Waits with jitter while another process holds it;
 * breaks a lock older than `staleMs` (its holder died); KnownServersError after `timeoutMs`.
 */
export async function withFileLock<T>(lockPath: string, o: FileLockOptions, job: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + o.timeoutMs
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(lockPath, 'wx', 0o600)
      try {
        await fh.writeFile(`${process.pid}\n`)
      } finally {
        await fh.close()
      }
      break
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new KnownServersError(`cannot create the lock file ${lockPath}: ${(e as Error).message}`, { cause: e })
    }
    if (await breakIfStale(lockPath, o.staleMs)) continue
    if (Date.now() >= deadline) {
      throw new KnownServersError(`${lockPath} stayed locked for ${o.timeoutMs} ms: another process is writing; if none is, delete the lock file`)
    }
    await sleep(5 + Math.random() * Math.min(100, 5 * 2 ** Math.min(attempt, 5)))
  }
  try {
    return await job()
  } finally {
    await unlink(lockPath).catch(() => {})
  }
}

/** Removes a lock left by a dead process. Renamed first, so that two breakers never both delete a fresh lock. */
async function breakIfStale(lockPath: string, staleMs: number): Promise<boolean> {
  let s: Awaited<ReturnType<typeof stat>>
  try {
    s = await stat(lockPath)
  } catch {
    return true // released meanwhile: try again at once
  }
  if (Date.now() - s.mtimeMs < staleMs) return false
  const aside = `${lockPath}.stale-${randomBytes(6).toString('hex')}`
  try {
    await rename(lockPath, aside)
  } catch {
    return true // someone else broke it or it was released
  }
  const moved = await stat(aside).catch(() => null)
  // if the file moved aside is not the stale one (a fresh lock was taken between stat and rename), put it back
  if (moved && Date.now() - moved.mtimeMs < staleMs) {
    await rename(aside, lockPath).catch(() => {})
    return false
  }
  await unlink(aside).catch(() => {})
  return true
}
