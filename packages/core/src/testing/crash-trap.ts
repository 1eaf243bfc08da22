/**
 * Catches what would crash a server process: unhandled promise rejections and uncaught
 * exceptions (Node `process` events; `unhandledrejection`/`error` events in a browser). A fuzz
 * test installs it for its duration and fails if anything was caught. It also keeps process
 * warnings (a `TimeoutOverflowWarning` means a peer-chosen timer was passed to `setTimeout`).
 */
export interface CrashTrap {
  /** Every unhandled rejection and uncaught exception, with its stack. */
  readonly errors: string[]
  /** Process warnings (`name: message`). */
  readonly warnings: string[]
  /** Removes the listeners. */
  dispose(): void
}

type Proc = {
  on(event: string, fn: (...args: unknown[]) => void): unknown
  off(event: string, fn: (...args: unknown[]) => void): unknown
}

const describe = (e: unknown) => (e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e))

/** Installs the trap. */
export function installCrashTrap(): CrashTrap {
  const errors: string[] = []
  const warnings: string[] = []
  const proc = (globalThis as { process?: Proc }).process
  if (proc && typeof proc.on === 'function') {
    const onRejection = (reason: unknown) => {
      errors.push(`unhandledRejection: ${describe(reason)}`)
    }
    const onException = (e: unknown) => {
      errors.push(`uncaughtException: ${describe(e)}`)
    }
    const onWarning = (w: unknown) => {
      const e = w as Error
      if (warnings.length < 100) warnings.push(`${e?.name}: ${e?.message}`)
    }
    proc.on('unhandledRejection', onRejection)
    proc.on('uncaughtException', onException)
    proc.on('warning', onWarning)
    return {
      errors,
      warnings,
      dispose() {
        proc.off('unhandledRejection', onRejection)
        proc.off('uncaughtException', onException)
        proc.off('warning', onWarning)
      },
    }
  }
  const target = globalThis as unknown as {
    addEventListener?: (t: string, fn: (e: { reason?: unknown; error?: unknown }) => void) => void
    removeEventListener?: (t: string, fn: (e: { reason?: unknown; error?: unknown }) => void) => void
  }
  const onRejection = (e: { reason?: unknown }) => {
    errors.push(`unhandledrejection: ${describe(e.reason)}`)
  }
  const onError = (e: { error?: unknown }) => {
    errors.push(`error: ${describe(e.error)}`)
  }
  target.addEventListener?.('unhandledrejection', onRejection)
  target.addEventListener?.('error', onError)
  return {
    errors,
    warnings,
    dispose() {
      target.removeEventListener?.('unhandledrejection', onRejection)
      target.removeEventListener?.('error', onError)
    },
  }
}

/** `heapUsed` in bytes after a full garbage collection, or null where neither is available. */
export function heapUsedAfterGc(): number | null {
  const g = globalThis as { gc?: () => void; process?: { memoryUsage?: () => { heapUsed: number } } }
  if (typeof g.gc !== 'function' || typeof g.process?.memoryUsage !== 'function') return null
  g.gc()
  g.gc()
  return g.process.memoryUsage().heapUsed
}
