/** The demo server's command line: flags and environment variables. */
import { parseArgs } from 'node:util'
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORTS, flagOrEnv, parseHost, parsePort, UsageError, userPath } from './cli-util.js'

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

Port 0 picks any free port (the real ports are printed). The server's Ed25519 key is created on
the first run in <data-dir>/server.key (mode 0600) and reused after, so its id stays the same:
clients pin that id. Stop with Ctrl-C.
`

/** The resolved configuration. */
export interface ServerConfig {
  host: string
  tcpPort: number
  udpPort: number
  httpPort: number
  dataDir: string
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
  }
}
