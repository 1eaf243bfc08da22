/** Runs the demo server and CLI client as child processes, the way a user does. */
import { type ChildProcess, spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** apps/demo */
export const appDir = join(dirname(fileURLToPath(import.meta.url)), '../..')

const NODE_ARGS = ['--conditions=@kp/source', '--import', 'tsx']

/** The environment without any KP_DEMO_* setting of the person running the tests. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('KP_DEMO_') && k !== 'INIT_CWD') env[k] = v
  env.NO_COLOR = '1'
  return env
}

/** A child process whose output is collected, with bounded waits on it. */
export class Proc {
  readonly child: ChildProcess
  stdout = ''
  stderr = ''
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  private waiters = new Set<() => void>()

  constructor(script: string, args: string[]) {
    this.child = spawn(process.execPath, [...NODE_ARGS, script, ...args], { cwd: appDir, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      this.stdout += d
      for (const w of this.waiters) w()
    })
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d
      for (const w of this.waiters) w()
    })
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })))
    this.exited.then(() => {
      for (const w of this.waiters) w()
    })
  }

  get output(): string {
    return this.stdout + this.stderr
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  /** Resolves with the first match of `re` in the output; fails after `timeoutMs` or if the process ends first. */
  waitFor(re: RegExp, timeoutMs: number, what = re.source): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = this.output.match(re)
        if (m) {
          done()
          resolve(m)
        } else if (!this.running) {
          done()
          reject(new Error(`process ended (code ${this.child.exitCode}) before "${what}" appeared; output:\n${this.output}`))
        }
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`"${what}" did not appear within ${timeoutMs} ms; output:\n${this.output}`))
      }, timeoutMs)
      const done = () => {
        clearTimeout(timer)
        this.waiters.delete(check)
      }
      this.waiters.add(check)
      check()
    })
  }

  /** Waits for the exit, at most `timeoutMs` (then kills it and fails). */
  async exit(timeoutMs: number): Promise<number | null> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.kill()
        reject(new Error(`process did not exit within ${timeoutMs} ms; output:\n${this.output}`))
      }, timeoutMs)
    })
    try {
      return (await Promise.race([this.exited, timeout])).code
    } finally {
      clearTimeout(timer)
    }
  }

  /** SIGKILL if still running. */
  kill(): void {
    if (this.running) this.child.kill('SIGKILL')
  }
}

/** What a demo server printed at start. */
export interface ServerInfo {
  id: string
  idHex: string
  tcpPort: number
  udpPort: number
  httpPort: number
  pageUrl: string
}

/** A running demo server. */
export class DemoServerProc extends Proc {
  info!: ServerInfo

  /** Starts `src/server.ts` (ports 0 unless given) and parses its banner. */
  static async start(dataDir: string, ports: { tcp?: number; udp?: number; http?: number } = {}): Promise<DemoServerProc> {
    const p = new DemoServerProc('src/server.ts', [
      '--data-dir',
      dataDir,
      '--tcp-port',
      String(ports.tcp ?? 0),
      '--udp-port',
      String(ports.udp ?? 0),
      '--http-port',
      String(ports.http ?? 0),
    ])
    try {
      await p.waitFor(/Stop with Ctrl-C/, 30_000, 'the server banner')
    } catch (e) {
      p.kill()
      throw e
    }
    const get = (re: RegExp) => {
      const m = p.stdout.match(re)
      if (!m) throw new Error(`banner without ${re.source}:\n${p.stdout}`)
      return m[1]!
    }
    p.info = {
      id: get(/server id\s+(\S+)/),
      idHex: get(/id \(hex\)\s+([0-9a-f]{64})/),
      tcpPort: Number(get(/TCP\s+\S+:(\d+)/)),
      udpPort: Number(get(/UDP\s+\S+:(\d+)/)),
      httpPort: Number(get(/WebSocket\s+ws:\/\/\S+:(\d+)\/kp/)),
      pageUrl: get(/page\s+(http\S+)/),
    }
    return p
  }

  /** Sends SIGTERM and returns the exit code (bounded). */
  async stop(timeoutMs = 10_000): Promise<number | null> {
    if (!this.running) return this.child.exitCode
    this.child.kill('SIGTERM')
    return await this.exit(timeoutMs)
  }
}

/** The CLI client's arguments to reach `server` over `transport`. */
export function clientArgs(server: ServerInfo, transport: 'tcp' | 'udp' | 'ws', id = server.id): string[] {
  const port = { tcp: server.tcpPort, udp: server.udpPort, ws: server.httpPort }[transport]
  return ['--transport', transport, '--port', String(port), '--server-id', id]
}

/** Starts the CLI client (for `listen`, which keeps running). */
export function startClient(args: string[]): Proc {
  return new Proc('src/client.ts', args)
}

/** Runs the CLI client to its end (bounded) and returns its exit code and output. */
export async function runClient(args: string[], timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = new Proc('src/client.ts', args)
  const code = await p.exit(timeoutMs)
  return { code, stdout: p.stdout, stderr: p.stderr }
}
