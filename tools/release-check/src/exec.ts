import { spawn } from 'node:child_process'

/** What a finished child process left behind. */
export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Options of {@link run}. */
export interface RunOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Kill the child after this many milliseconds (default 120 s). */
  timeoutMs?: number
  /** Text written to the child's stdin (stdin is closed either way). */
  input?: string
}

/**
 * Runs a command without a shell and collects its output; never throws for a non-zero exit
 * (callers decide), only when the command cannot be started.
 */
export function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout!.on('data', (b: Buffer) => out.push(b))
    child.stderr!.on('data', (b: Buffer) => err.push(b))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
    child.on('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') })
    })
    if (child.stdin) {
      child.stdin.on('error', () => {}) // the child may exit before reading its input
      child.stdin.end(options.input)
    }
  })
}

/** Like {@link run}, but throws with the command's output when it exits non-zero. */
export async function runOk(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  const r = await run(cmd, args, options)
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} (in ${options.cwd ?? process.cwd()}) exited with ${r.code}\n${r.stdout}\n${r.stderr}`)
  }
  return r.stdout
}
