// Runs a package's examples/cluster.ts (node:cluster primary and workers) for its test: the
// example prints one JSON line starting with {"ready" once every worker listens.
import { type ChildProcess, spawn } from 'node:child_process'

/** The running example: what its ready line said, and how to stop it. */
export interface RunningExample<T> {
  ready: T
  /** Stops the primary (SIGTERM; its workers follow) and waits for it to exit. */
  stop(): Promise<void>
}

/** Starts `example` (a .ts file, through tsx with the @kp/source condition) in `cwd` with `env` added. */
export function startExample<T>(example: string, cwd: string, env: Record<string, string>, timeoutMs = 60_000): Promise<RunningExample<T>> {
  const primary: ChildProcess = spawn(process.execPath, ['--conditions=@kp/source', '--import', 'tsx', example], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const stop = async () => {
    if (primary.exitCode !== null || primary.signalCode !== null) return
    const exited = new Promise((r) => primary.once('exit', r))
    primary.kill('SIGTERM')
    await exited
  }
  let out = ''
  primary.stderr!.on('data', (d: Buffer) => {
    out += d
  })
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      clearTimeout(timer)
      stop().then(() => reject(error), reject)
    }
    const timer = setTimeout(() => fail(new Error(`no ready line within ${timeoutMs} ms: ${out}`)), timeoutMs)
    primary.stdout!.on('data', (d: Buffer) => {
      out += d
      const line = out.split('\n').find((l) => l.startsWith('{"ready"'))
      if (line) {
        clearTimeout(timer)
        resolve({ ready: JSON.parse(line) as T, stop })
      }
    })
    primary.once('exit', (code) => fail(new Error(`the example exited (${code}): ${out}`)))
  })
}
