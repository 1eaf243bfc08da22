/**
 * The demo server: `pnpm demo` (from the repository root). One KiloInterface on TCP, UDP and
 * WebSocket, the browser page on the WebSocket's HTTP port, a persistent Ed25519 identity.
 * `--help` lists the flags and environment variables.
 */
import { cliArgs, describeError, FatalError, hostPort, UsageError } from './cli-util.js'
import { runCluster } from './cluster-launcher.js'
import { type DemoServer, startDemoServer } from './demo-server.js'
import { loadOrCreateKey } from './key-store.js'
import { parseServerArgs, SERVER_HELP, type ServerConfig } from './server-args.js'

function time(): string {
  return new Date().toTimeString().slice(0, 8)
}

function log(line: string): void {
  console.log(`${time()} ${line}`)
}

async function main(): Promise<number> {
  let config: ServerConfig | 'help'
  try {
    config = parseServerArgs(cliArgs())
  } catch (e) {
    if (!(e instanceof UsageError)) throw e
    console.error(`error: ${e.message}\nRun with --help to see the options.`)
    return 2
  }
  if (config === 'help') {
    process.stdout.write(SERVER_HELP)
    return 0
  }

  if (config.cluster?.launch) return await runCluster(config, log)

  const stored = await loadOrCreateKey(config.dataDir)
  for (const w of stored.warnings) console.warn(`warning: ${w}`)
  const server: DemoServer = await startDemoServer({
    key: stored.key,
    host: config.host,
    tcpPort: config.tcpPort,
    udpPort: config.udpPort,
    httpPort: config.httpPort,
    log,
    cluster: config.cluster?.nats ? { nats: config.cluster.nats, nodeName: config.cluster.nodeName, key: config.cluster.key } : undefined,
  })

  const id = stored.key.publicKey
  console.log(
    [
      '',
      'Kiloparsec demo server',
      `  server id    ${id.toBase64url()}`,
      `  id (hex)     ${id.toHex()}`,
      `  fingerprint  ${id.fingerprint()}`,
      `  key          ${stored.keyFile} (${stored.created ? 'created now' : 'reused'})`,
      `  TCP          ${hostPort(server.tcp.host, server.tcp.port)}`,
      `  UDP          ${hostPort(server.udp.host, server.udp.port)}`,
      `  WebSocket    ${server.wsUrl}`,
      `  page         ${server.pageUrl}`,
      ...(server.node
        ? [
            `  cluster      ${server.node.name} via ${server.node.nats} (${server.node.sealed ? 'sealed' : 'plain: pass the same --cluster-key to every node to seal'})`,
          ]
        : []),
      '',
      'Try:  pnpm demo:client --transport udp ping hello',
      '      pnpm demo:client --transport tcp listen',
      'Clients pin the server id above. Stop with Ctrl-C.',
      '',
    ].join('\n'),
  )

  return await new Promise<number>((resolve) => {
    let stopping = false
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        console.log(`${time()} ${signal} again: exiting now`)
        resolve(130)
        return
      }
      stopping = true
      log(`${signal}: closing ${server.online} session(s) and the listeners...`)
      const force = setTimeout(() => {
        log('shutdown took longer than 5 s: exiting anyway')
        resolve(1)
      }, 5_000)
      force.unref()
      server.close().then(
        () => {
          clearTimeout(force)
          log('stopped')
          resolve(0)
        },
        (e) => {
          clearTimeout(force)
          console.error(`error while closing: ${describeError(e)}`)
          resolve(1)
        },
      )
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
    // a node started by `--cluster` stops when the launcher is gone
    if (process.channel) process.once('disconnect', () => stop('SIGTERM'))
  })
}

main().then(
  (code) => process.exit(code),
  (e) => {
    if (e instanceof FatalError) console.error(`error: ${e.message}`)
    else console.error(e)
    process.exit(1)
  },
)
