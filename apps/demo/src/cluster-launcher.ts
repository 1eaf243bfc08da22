/**
 * `pnpm demo --cluster`: a NATS server (started here unless `--nats` names one) and 2..5 demo
 * servers on this machine, each its own process, joined through NATS into one chat. The same
 * server key on every node (clients pin one id), a fresh cluster key sealing every bus message.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { type NatsServerProcess, startNatsServer } from '@kp/cluster-nats/testing'
import { toHex } from './api.js'
import { FatalError } from './cli-util.js'
import { loadOrCreateKey } from './key-store.js'
import type { ServerConfig } from './server-args.js'

const SERVER_SCRIPT = fileURLToPath(new URL('./server.ts', import.meta.url))

/** One node as its banner described it. */
interface NodeProc {
  name: string
  child: ChildProcess
  tcp: string
  udp: string
  ws: string
  page: string
  exited: Promise<number | null>
}

/** Runs the cluster until SIGINT/SIGTERM; returns the exit code. */
export async function runCluster(config: ServerConfig, log: (line: string) => void): Promise<number> {
  const c = config.cluster!
  // the key first, so that no two nodes race to create it: one id for the whole cluster
  const stored = await loadOrCreateKey(config.dataDir)
  for (const w of stored.warnings) console.warn(`warning: ${w}`)
  let nats: NatsServerProcess | null = null
  let url = c.nats
  if (!url) {
    nats = await startNatsServer({ host: '127.0.0.1', detached: true }).catch((e: unknown) => {
      throw new FatalError(`cannot start a NATS server: ${(e as Error).message}. Or pass --nats <url> of a running one.`, { cause: e })
    })
    url = nats.url
  }
  const clusterKey = c.key ?? randomBytes(32)
  const nodes: NodeProc[] = []
  const stopAll = async () => {
    for (const n of nodes) if (n.child.exitCode === null) n.child.kill('SIGTERM')
    await Promise.race([Promise.all(nodes.map((n) => n.exited)), new Promise((r) => setTimeout(r, 8000).unref())])
    for (const n of nodes) if (n.child.exitCode === null) n.child.kill('SIGKILL')
    await nats?.stop()
  }
  try {
    for (let k = 1; k <= c.nodes; k++) {
      const port = (p: number) => String(p === 0 ? 0 : p + 10 * (k - 1))
      const args = ['--host', config.host, '--tcp-port', port(config.tcpPort), '--udp-port', port(config.udpPort), '--http-port', port(config.httpPort)]
      args.push('--data-dir', config.dataDir, '--nats', url, '--node-name', `node-${k}`)
      nodes.push(await startNode(`node-${k}`, args, toHex(clusterKey)))
    }
  } catch (e) {
    await stopAll()
    throw e
  }

  const first = nodes[0]!
  const second = nodes[1]!
  console.log(
    [
      '',
      `Kiloparsec cluster demo: ${nodes.length} servers joined through NATS`,
      `  NATS         ${url}${nats ? ' (started here, stopped with the demo)' : ''}`,
      `  server id    ${stored.key.publicKey.toBase64url()} (the same key on every node: clients pin one id)`,
      `  key          ${stored.keyFile} (${stored.created ? 'created now' : 'reused'})`,
      `  bus          sealed with ChaCha20-Poly1305 under a cluster key${c.key ? ' (--cluster-key)' : ' made for this run'}`,
      ...nodes.map((n) => `  ${n.name.padEnd(12)} TCP ${n.tcp}  UDP ${n.udp}  WebSocket ${n.ws}  page ${n.page}`),
      '',
      `Try:  pnpm demo:client --port ${portOf(second.tcp)} listen                 (a listener on ${second.name})`,
      `      pnpm demo:client --port ${portOf(first.tcp)} chat alice "hi from ${first.name}"`,
      `      open the page of ${second.name} and chat with a CLI client on ${first.name}`,
      'Stop with Ctrl-C.',
      '',
    ].join('\n'),
  )

  return await new Promise<number>((resolve) => {
    let stopping = false
    const stop = (why: string, code: number) => {
      if (stopping) return
      stopping = true
      log(`${why}: stopping ${nodes.length} servers${nats ? ' and the NATS server' : ''}...`)
      stopAll().then(
        () => {
          log('stopped')
          resolve(code)
        },
        () => resolve(1),
      )
    }
    process.on('SIGINT', () => stop('SIGINT', 0))
    process.on('SIGTERM', () => stop('SIGTERM', 0))
    for (const n of nodes) {
      n.exited.then(
        (code) => {
          if (!stopping) stop(`${n.name} exited with code ${code}`, 1)
        },
        () => {},
      )
    }
  })
}

function portOf(hostAndPort: string): string {
  return hostAndPort.slice(hostAndPort.lastIndexOf(':') + 1)
}

/** Starts one node and waits for its banner; its later lines are printed with its name in front. */
function startNode(name: string, args: string[], clusterKeyHex: string): Promise<NodeProc> {
  // Its own process group, so a Ctrl-C reaches the launcher only, which stops the nodes once and
  // in order; the IPC channel lets a node stop by itself when the launcher is gone.
  const child = spawn(process.execPath, [...process.execArgv, SERVER_SCRIPT, ...args], {
    env: { ...process.env, KP_DEMO_CLUSTER_KEY: clusterKeyHex },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: true,
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  let banner = ''
  let ready = false
  return new Promise<NodeProc>((resolve, reject) => {
    const timer = setTimeout(() => fail(new FatalError(`${name} did not start within 30 s:\n${banner}`)), 30_000)
    const fail = (e: Error) => {
      clearTimeout(timer)
      if (child.exitCode === null) child.kill('SIGKILL')
      reject(e)
    }
    const lines = (stream: NodeJS.ReadableStream, err: boolean) => {
      let rest = ''
      stream.setEncoding('utf8')
      stream.on('data', (d: string) => {
        rest += d
        let i = rest.indexOf('\n')
        while (i >= 0) {
          const line = rest.slice(0, i)
          rest = rest.slice(i + 1)
          if (!ready) onBannerLine(line)
          else if (line.trim() !== '') (err ? console.error : console.log)(`[${name}] ${line}`)
          i = rest.indexOf('\n')
        }
      })
    }
    const onBannerLine = (line: string) => {
      banner += `${line}\n`
      if (!/Stop with Ctrl-C/.test(line)) return
      const get = (re: RegExp) => banner.match(re)?.[1] ?? '?'
      ready = true
      clearTimeout(timer)
      resolve({ name, child, tcp: get(/TCP\s+(\S+)/), udp: get(/UDP\s+(\S+)/), ws: get(/WebSocket\s+(\S+)/), page: get(/page\s+(\S+)/), exited })
    }
    lines(child.stdout!, false)
    lines(child.stderr!, true)
    exited.then(
      (code) => {
        if (!ready) fail(new FatalError(`${name} exited with code ${code} before it was ready:\n${banner}`))
      },
      () => {},
    )
  })
}
