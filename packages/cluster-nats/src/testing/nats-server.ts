import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { delimiter, join } from 'node:path'

/** Options of {@link startNatsServer}. */
export interface NatsServerOptions {
  /** The `nats-server` binary (default: `$KP_NATS_SERVER`, then `/usr/sbin/nats-server`, `/usr/bin/nats-server`, then `PATH`). */
  bin?: string
  /** Address to listen on (default 127.0.0.1). */
  host?: string
  /** Port (default 0: a free port). */
  port?: number
  /** More command-line arguments (`--user`, `--pass`, `--tls`...). */
  args?: string[]
  /** How long to wait for it to accept connections, ms (default 10 000). */
  readyTimeoutMs?: number
  /**
   * Runs it in its own process group (default false), so that a Ctrl-C in the terminal reaches
   * only your process, which then stops it after its nodes said goodbye. It outlives a process
   * that is killed without stopping it.
   */
  detached?: boolean
}

/** A running `nats-server` child process. */
export interface NatsServerProcess {
  /** `nats://host:port` */
  readonly url: string
  readonly host: string
  readonly port: number
  readonly process: ChildProcess
  /** What it printed (its log goes to stderr). */
  readonly output: () => string
  /** Stops it (SIGTERM, then SIGKILL after 3 s) and resolves when it exited. */
  stop(): Promise<void>
}

/** Where Debian's `nats-server` package puts the binary, and the hint when it is missing. */
export const NATS_INSTALL_HINT =
  "install Debian's nats-server package (sudo apt-get install nats-server; `pnpm test` does it by itself, see scripts/ensure-test-deps.mjs) or set KP_NATS_SERVER to the binary"

/** The `nats-server` binary, or null when there is none. */
export function findNatsServer(bin?: string): string | null {
  if (bin !== undefined) return existsSync(bin) ? bin : null
  const candidates = [process.env.KP_NATS_SERVER, '/usr/sbin/nats-server', '/usr/bin/nats-server']
  for (const c of candidates) if (c && existsSync(c)) return c
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'nats-server'))) return join(dir, 'nats-server')
  }
  return null
}

/**
 * Starts a real `nats-server` for tests, demos and benchmarks, on 127.0.0.1 and a free port, and
 * resolves once it accepts connections. Node only.
 * @example
 * const nats = await startNatsServer()
 * const bus = await natsBus({ servers: nats.url })
 * // ...
 * await nats.stop()
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServerProcess> {
  const bin = findNatsServer(options.bin)
  if (!bin) throw new Error(`nats-server not found${options.bin ? ` at ${options.bin}` : ''}: ${NATS_INSTALL_HINT}`)
  const host = options.host ?? '127.0.0.1'
  const timeoutMs = options.readyTimeoutMs ?? 10_000
  let lastError: unknown
  // a free port can be taken between the probe and the start: try a few
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = options.port || (await freePort(host))
    const child = spawn(bin, ['-a', host, '-p', String(port), ...(options.args ?? [])], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.detached ?? false,
    })
    let output = ''
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (output = (output + d).slice(-20_000)))
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (output = (output + d).slice(-20_000)))
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.once('error', (e) => {
      lastError = e
    })
    try {
      await waitForPort(host, port, timeoutMs, () => child.exitCode !== null || child.signalCode !== null)
    } catch (e) {
      lastError = new Error(`nats-server did not start on ${host}:${port}: ${(e as Error).message}\n${output}`)
      if (child.exitCode === null) child.kill('SIGKILL')
      await exited
      if (options.port) break
      continue
    }
    return {
      url: `nats://${host.includes(':') ? `[${host}]` : host}:${port}`,
      host,
      port,
      process: child,
      output: () => output,
      async stop() {
        if (child.exitCode !== null || child.signalCode !== null) return
        child.kill('SIGTERM')
        const force = setTimeout(() => child.kill('SIGKILL'), 3000)
        await exited
        clearTimeout(force)
      },
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError))
}

/** A port that was free a moment ago. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, host, () => {
      const a = s.address()
      const port = typeof a === 'object' && a ? a.port : 0
      s.close(() => resolve(port))
    })
  })
}

async function waitForPort(host: string, port: number, timeoutMs: number, gone: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (gone()) throw new Error('the process exited')
    if (await canConnect(host, port)) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`no connection accepted within ${timeoutMs} ms`)
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ host, port })
    c.once('connect', () => {
      c.destroy()
      resolve(true)
    })
    c.once('error', () => resolve(false))
  })
}
