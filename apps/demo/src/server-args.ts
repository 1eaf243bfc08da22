/** The demo server's command line: flags and environment variables. */
import { parseArgs } from 'node:util'
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORTS, flagOrEnv, parseHost, parsePort, parsePositiveInt, UsageError, userPath } from './cli-util.js'

/** Help text of the server. */
export const SERVER_HELP = `Kiloparsec demo server: one API over TCP, UDP and WebSocket, plus a browser page.

Usage: pnpm demo [options]
       node --conditions=@kp/source --import tsx apps/demo/src/server.ts [options]

Options (each also settable by the environment variable shown):
  --host <address>     address to listen on              KP_DEMO_HOST       default ${DEFAULT_HOST}
                       (0.0.0.0 or :: to accept other machines)
  --tcp-port <port>    TCP port                          KP_DEMO_TCP_PORT   default ${DEFAULT_PORTS.tcp}
  --udp-port <port>    UDP port                          KP_DEMO_UDP_PORT   default ${DEFAULT_PORTS.udp}
  --http-port <port>   HTTP port: the page at / and the  KP_DEMO_HTTP_PORT  default ${DEFAULT_PORTS.ws}
                       WebSocket endpoint at /kp
  --data-dir <dir>     where the server key is kept      KP_DEMO_DATA_DIR   default apps/demo/data
  -h, --help           show this help

Cluster (several servers joined through NATS, see apps/demo/README.md):
  --cluster            start a NATS server (unless --nats is given) and --nodes demo servers on
                       this machine, joined through it (node k uses the ports above + 10*(k-1))
  --nodes <n>          how many servers with --cluster, 2..5                      default 2
  --nats <url>         the NATS server to join: with --cluster, use it instead    KP_DEMO_NATS
                       of starting one; alone, run this server as one node
  --node-name <name>   this node's name in the cluster    KP_DEMO_NODE_NAME  default node-<id>
  --cluster-key <hex>  32-byte key (64 hex digits) that   KP_DEMO_CLUSTER_KEY
                       seals every bus message; the same on every node (--cluster makes one)

Port 0 picks any free port (the real ports are printed). The server's Ed25519 key is created on
the first run in <data-dir>/server.key (mode 0600) and reused after, so its id stays the same:
clients pin that id. Stop with Ctrl-C.
`

/** How this process takes part in a cluster. */
export interface ClusterConfig {
  /** `--cluster`: start NATS (unless `nats` is set) and `nodes` servers as child processes. */
  launch: boolean
  nodes: number
  /** The NATS server URL to join. */
  nats: string | null
  nodeName: string | null
  /** The key sealing bus messages, or null (plain). */
  key: Uint8Array | null
}

/** The resolved configuration. */
export interface ServerConfig {
  host: string
  tcpPort: number
  udpPort: number
  httpPort: number
  dataDir: string
  /** Set when a cluster flag or variable is given. */
  cluster?: ClusterConfig | undefined
}

/** Parses argv (without node and the script). Throws {@link UsageError}. */
export function parseServerArgs(argv: string[]): ServerConfig | 'help' {
  let values: Record<string, string | boolean | undefined>
  try {
    ;({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        'tcp-port': { type: 'string' },
        'udp-port': { type: 'string' },
        'http-port': { type: 'string' },
        'data-dir': { type: 'string' },
        cluster: { type: 'boolean' },
        nodes: { type: 'string' },
        nats: { type: 'string' },
        'node-name': { type: 'string' },
        'cluster-key': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }))
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
  if (values.help) return 'help'
  const str = (name: string) => values[name] as string | undefined
  const host = flagOrEnv(str('host'), 'host', 'KP_DEMO_HOST')
  const port = (name: string, env: string, dflt: number) => {
    const v = flagOrEnv(str(name), name, env)
    return v ? parsePort(v.value, v.label) : dflt
  }
  const dataDir = flagOrEnv(str('data-dir'), 'data-dir', 'KP_DEMO_DATA_DIR')
  if (dataDir && dataDir.value.trim() === '') throw new UsageError(`${dataDir.label} expected a directory`)
  return {
    host: host ? parseHost(host.value, host.label) : DEFAULT_HOST,
    tcpPort: port('tcp-port', 'KP_DEMO_TCP_PORT', DEFAULT_PORTS.tcp),
    udpPort: port('udp-port', 'KP_DEMO_UDP_PORT', DEFAULT_PORTS.udp),
    httpPort: port('http-port', 'KP_DEMO_HTTP_PORT', DEFAULT_PORTS.ws),
    dataDir: dataDir ? userPath(dataDir.value) : DEFAULT_DATA_DIR,
    cluster: parseCluster(values),
  }
}

function parseCluster(values: Record<string, string | boolean | undefined>): ClusterConfig | undefined {
  const str = (name: string) => values[name] as string | undefined
  const launch = values.cluster === true
  const nats = flagOrEnv(str('nats'), 'nats', 'KP_DEMO_NATS')
  const nodeName = flagOrEnv(str('node-name'), 'node-name', 'KP_DEMO_NODE_NAME')
  const key = flagOrEnv(str('cluster-key'), 'cluster-key', 'KP_DEMO_CLUSTER_KEY')
  if (str('nodes') !== undefined && !launch) throw new UsageError('--nodes goes with --cluster')
  if (!launch && !nats) {
    if (nodeName || key) throw new UsageError(`${(nodeName ?? key)!.label} needs --nats <url> (or --cluster)`)
    return undefined
  }
  if (launch && nodeName) throw new UsageError(`${nodeName.label}: --cluster names its nodes node-1, node-2...`)
  let nodes = 2
  if (str('nodes') !== undefined) {
    nodes = parsePositiveInt(str('nodes')!, '--nodes')
    if (nodes < 2 || nodes > 5) throw new UsageError(`--nodes expected 2..5, got ${nodes}`)
  }
  if (nats && !/^(nats|tls):\/\/\S+$/.test(nats.value))
    throw new UsageError(`${nats.label} expected a NATS URL like nats://127.0.0.1:4222, got ${JSON.stringify(nats.value)}`)
  if (nodeName && !/^[\w.-]{1,32}$/.test(nodeName.value))
    throw new UsageError(`${nodeName.label} expected 1..32 letters, digits, '.', '_' or '-', got ${JSON.stringify(nodeName.value)}`)
  if (key && !/^[0-9a-fA-F]{64}$/.test(key.value.trim()))
    throw new UsageError(`${key.label} expected 64 hex digits (32 bytes), got ${key.value.trim().length} characters`)
  return {
    launch,
    nodes,
    nats: nats?.value ?? null,
    nodeName: nodeName?.value ?? null,
    key: key
      ? Uint8Array.from(
          key.value
            .trim()
            .match(/../g)!
            .map((h) => Number.parseInt(h, 16)),
        )
      : null,
  }
}
