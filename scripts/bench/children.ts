/**
 * Child processes of a benchmark or fuzz runner (`bench/src/*run.ts`, `tools/fuzz`): every one is
 * killed when the runner exits or is interrupted, so no server is left holding a port. Not
 * published; the runners import it by relative path.
 */
import type { ChildProcess } from 'node:child_process'

/** The children one runner started; killed on exit, SIGINT and SIGTERM. */
export class Children {
  private readonly live = new Set<ChildProcess>()

  /** `onSignal` runs first when SIGINT or SIGTERM stops the runner (then: kill all, exit 130). */
  constructor(onSignal?: (signal: NodeJS.Signals) => void) {
    process.on('exit', () => this.killAll())
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.on(sig, () => {
        onSignal?.(sig)
        this.killAll()
        process.exit(130)
      })
    }
  }

  /** Keeps `child` until it exits. */
  track<C extends ChildProcess>(child: C): C {
    this.live.add(child)
    child.once('exit', () => this.live.delete(child))
    return child
  }

  /** SIGKILL to every child still running. */
  killAll(): void {
    for (const c of this.live) c.kill('SIGKILL')
  }
}

/** Keeps the last `maxChars` of a child's output (a crash's stack, a failure report). */
export function outputTail(child: ChildProcess, maxChars: number): () => string {
  let out = ''
  const add = (b: Buffer) => {
    out = (out + b.toString()).slice(-maxChars)
  }
  child.stdout?.on('data', add)
  child.stderr?.on('data', add)
  return () => out.trim()
}

/** Asks a child to leave (disconnect), then SIGTERM after `graceMs`, then SIGKILL; resolves once it is gone. */
export async function stopChild(child: ChildProcess, graceMs = 2_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  if (child.connected) child.disconnect()
  const t1 = setTimeout(() => child.kill('SIGTERM'), graceMs)
  const t2 = setTimeout(() => child.kill('SIGKILL'), graceMs + 2_000)
  await gone
  clearTimeout(t1)
  clearTimeout(t2)
}
