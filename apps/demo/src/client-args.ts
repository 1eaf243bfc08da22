/** The CLI client's command line: flags, environment variables and the commands to run. */
import { parseArgs } from 'node:util'
import { PublicKey } from '@kp/core'
import { TRANSPORTS, type TransportName } from './api.js'
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORTS, flagOrEnv, parseHost, parsePort, parsePositiveInt, UsageError, userPath, WS_PATH } from './cli-util.js'

/** Help text of the client. */
export const CLIENT_HELP = `Kiloparsec demo client: calls the demo server over TCP, UDP or WebSocket.

Usage: pnpm demo:client [options] <command> [args] [+ <command> [args] ...]

Commands (several run in one session when joined by a lone "+"):
  ping <text>               the server calls back (a push you will see) and answers "pong: <text>"
  set-foo <text> <number>   stores foo in this session
  get-foo                   reads foo from this session (NotFound in a fresh session:
                            try  set-foo bar 117 + get-foo)
  check                     how the server sees this connection
  chat <nick> <text>        joins the chat as <nick> and sends <text> to every connected client
  listen                    prints server pushes (chat messages...) until Ctrl-C or --count

Options:
  --transport tcp|udp|ws    transport to use                       KP_DEMO_TRANSPORT  default tcp
  --server-id <id>          the server's id, 64 hex or 43 base64url KP_DEMO_SERVER_ID
                            characters: the "server id" line the server printed at start.
                            Default: read <data-dir>/server.pub (same machine as the server)
  --host <host>             server host                            KP_DEMO_HOST       default ${DEFAULT_HOST}
  --port <port>             server port; default per transport: tcp ${DEFAULT_PORTS.tcp} (KP_DEMO_TCP_PORT),
                            udp ${DEFAULT_PORTS.udp} (KP_DEMO_UDP_PORT), ws ${DEFAULT_PORTS.ws} (KP_DEMO_HTTP_PORT)
  --data-dir <dir>          where to find server.pub               KP_DEMO_DATA_DIR   default apps/demo/data
  --count <n>               listen: exit after n pushes
  --timeout <ms>            connect and call timeout                                  default 10000
  -h, --help                show this help

Exit codes: 0 ok, 1 error (connection, refused server, failed command), 2 usage.
`

/** The commands the client knows, with their argument names. */
const COMMANDS = {
  ping: ['text'],
  'set-foo': ['text', 'number'],
  'get-foo': [],
  check: [],
  chat: ['nick', 'text'],
  listen: [],
} as const

/** One command to run. */
export type ClientCommand =
  | { name: 'ping'; text: string }
  | { name: 'set-foo'; text: string; number: number }
  | { name: 'get-foo' }
  | { name: 'check' }
  | { name: 'chat'; nick: string; text: string }
  | { name: 'listen' }

/** The resolved client configuration. */
export interface ClientConfig {
  transport: TransportName
  host: string
  port: number
  /** WebSocket endpoint URL (ws only). */
  url: string
  /** The pin, or null: then read from `dataDir`. */
  serverId: PublicKey | null
  /** Where the pin came from, for messages. */
  serverIdSource: string
  dataDir: string
  count: number | null
  timeoutMs: number
  commands: ClientCommand[]
}

/** Parses argv (without node and the script). Throws {@link UsageError}. */
export function parseClientArgs(argv: string[]): ClientConfig | 'help' {
  let values: Record<string, string | boolean | undefined>
  let positionals: string[]
  const options = {
    transport: { type: 'string', short: 't' },
    'server-id': { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string', short: 'p' },
    'data-dir': { type: 'string' },
    count: { type: 'string' },
    timeout: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  } as const
  // What follows an option that takes a value is that value, even when it starts with '-' (a
  // base64url server id may), and a negative number ("set-foo a -5") is an argument, not an
  // option: hide both from parseArgs.
  const takesValue = new Set(
    Object.entries(options).flatMap(([name, o]) => (o.type === 'string' ? [`--${name}`, ...('short' in o ? [`-${o.short}`] : [])] : [])),
  )
  const NEG = '\u0000'
  const hidden = argv.map((a, i) => ((/^-\d+$/.test(a) || (i > 0 && takesValue.has(argv[i - 1]!))) && a.startsWith('-') ? NEG + a : a))
  const unhide = (a: string) => (a.startsWith(NEG) ? a.slice(1) : a)
  try {
    ;({ values, positionals } = parseArgs({
      args: hidden,
      strict: true,
      allowPositionals: true,
      options,
    }))
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
  if (values.help) return 'help'
  positionals = positionals.map(unhide)
  const str = (name: string) => {
    const v = values[name]
    return typeof v === 'string' ? unhide(v) : undefined
  }

  const t = flagOrEnv(str('transport'), 'transport', 'KP_DEMO_TRANSPORT')
  const transport = (t?.value ?? 'tcp') as TransportName
  if (!TRANSPORTS.includes(transport)) throw new UsageError(`${t!.label} expected one of ${TRANSPORTS.join(', ')}, got ${JSON.stringify(t!.value)}`)

  const h = flagOrEnv(str('host'), 'host', 'KP_DEMO_HOST')
  const host = h ? parseHost(h.value, h.label) : DEFAULT_HOST
  const portEnv = { tcp: 'KP_DEMO_TCP_PORT', udp: 'KP_DEMO_UDP_PORT', ws: 'KP_DEMO_HTTP_PORT' }[transport]
  const p = flagOrEnv(str('port'), 'port', portEnv)
  const port = p ? parsePort(p.value, p.label, false) : DEFAULT_PORTS[transport]

  const id = flagOrEnv(str('server-id'), 'server-id', 'KP_DEMO_SERVER_ID')
  let serverId: PublicKey | null = null
  if (id) {
    try {
      serverId = PublicKey.from(id.value.trim())
    } catch {
      throw new UsageError(
        `${id.label} expected the server id (64 hex or 43 base64url characters) the demo server printed at start, got ${JSON.stringify(id.value)}`,
      )
    }
  }
  const d = flagOrEnv(str('data-dir'), 'data-dir', 'KP_DEMO_DATA_DIR')
  const dataDir = d ? userPath(d.value) : DEFAULT_DATA_DIR

  const c = str('count')
  const count = c === undefined ? null : parsePositiveInt(c, '--count')
  const to = str('timeout')
  const timeoutMs = to === undefined ? 10_000 : parsePositiveInt(to, '--timeout')

  const commands = parseCommands(positionals)
  if (count !== null && !commands.some((cmd) => cmd.name === 'listen')) throw new UsageError('--count only applies to listen')
  const hostInUrl = host.includes(':') ? `[${host}]` : host
  return {
    transport,
    host,
    port,
    url: `ws://${hostInUrl}:${port}${WS_PATH}`,
    serverId,
    serverIdSource: id?.label ?? '',
    dataDir,
    count,
    timeoutMs,
    commands,
  }
}

function parseCommands(words: string[]): ClientCommand[] {
  if (words.length === 0) throw new UsageError(`no command given: one of ${Object.keys(COMMANDS).join(', ')}`)
  const groups: string[][] = [[]]
  for (const w of words) {
    if (w === '+') groups.push([])
    else groups[groups.length - 1]!.push(w)
  }
  const commands = groups.map(parseCommand)
  const listen = commands.findIndex((c) => c.name === 'listen')
  if (listen !== -1 && listen !== commands.length - 1) throw new UsageError('listen runs until stopped: it must be the last command')
  return commands
}

function parseCommand(words: string[]): ClientCommand {
  const [name, ...args] = words
  if (name === undefined) throw new UsageError('empty command around "+"')
  if (!Object.hasOwn(COMMANDS, name)) throw new UsageError(`unknown command ${JSON.stringify(name)}: expected one of ${Object.keys(COMMANDS).join(', ')}`)
  const want = COMMANDS[name as keyof typeof COMMANDS]
  if (args.length !== want.length) {
    const form = [name, ...want.map((a) => `<${a}>`)].join(' ')
    throw new UsageError(
      `${name} takes ${want.length === 0 ? 'no arguments' : want.length === 1 ? '1 argument' : `${want.length} arguments`} (${form}), got ${args.length}${args.length > want.length ? ' (quote a text with spaces)' : ''}`,
    )
  }
  switch (name as keyof typeof COMMANDS) {
    case 'ping':
      return { name: 'ping', text: args[0]! }
    case 'set-foo': {
      const raw = args[1]!
      const number = /^-?\d{1,15}$/.test(raw) ? Number(raw) : Number.NaN
      if (!Number.isSafeInteger(number)) throw new UsageError(`set-foo <number> expected an integer, got ${JSON.stringify(raw)}`)
      return { name: 'set-foo', text: args[0]!, number }
    }
    case 'get-foo':
      return { name: 'get-foo' }
    case 'check':
      return { name: 'check' }
    case 'chat':
      if (args[0]!.trim() === '') throw new UsageError('chat <nick> expected a non-empty nickname')
      if (args[1]! === '') throw new UsageError('chat <text> expected a non-empty message')
      return { name: 'chat', nick: args[0]!, text: args[1]! }
    case 'listen':
      return { name: 'listen' }
  }
}
