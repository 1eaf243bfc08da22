/**
 * The demo's CLI client: `pnpm demo:client [options] <command> [args]` (see `--help`). Pins the
 * server id, prints the session token, runs the commands in one session, prints pushes.
 */
import { type Connector, connect, HandshakeError, KiloInterface, type KiloClient, type PublicKey, TimeoutError } from '@kp/core'
import { tcpConnector } from '@kp/transport-tcp'
import { udpConnector } from '@kp/transport-udp'
import { wsConnector } from '@kp/transport-ws-client'
import {
  type ChatMessage,
  cmdChatJoin,
  cmdChatMessage,
  cmdChatSend,
  cmdCheckConnected,
  cmdGetFoo,
  cmdPing,
  cmdPushClient,
  cmdSetFoo,
  NotFoundError,
  toHex,
  tokenFingerprint,
} from './api.js'
import { CLIENT_HELP, type ClientCommand, type ClientConfig, parseClientArgs } from './client-args.js'
import { cliArgs, describeError, FatalError, hostPort, PUBLIC_KEY_FILE, UsageError } from './cli-util.js'
import { readStoredServerId } from './key-store.js'

/** Prints `label  text`, labels aligned. */
function out(label: string, text: string): void {
  console.log(`${label.padEnd(10)} ${text}`)
}

function where(c: ClientConfig): string {
  return c.transport === 'ws' ? `ws ${c.url}` : `${c.transport} ${hostPort(c.host, c.port)}`
}

async function resolvePin(c: ClientConfig): Promise<{ pin: PublicKey; source: string }> {
  if (c.serverId) return { pin: c.serverId, source: c.serverIdSource }
  const stored = await readStoredServerId(c.dataDir)
  if (stored) return { pin: stored, source: `${c.dataDir}/${PUBLIC_KEY_FILE}` }
  throw new FatalError(
    `no server id to pin: pass --server-id <id>, the "server id" line the demo server printed at start (or set KP_DEMO_SERVER_ID). ` +
      `On the server's machine the client can also read it from ${c.dataDir}/${PUBLIC_KEY_FILE}, which is written when the server starts with that --data-dir.`,
  )
}

function connectorFor(c: ClientConfig): Connector {
  switch (c.transport) {
    case 'tcp':
      return tcpConnector({ host: c.host, port: c.port, connectTimeoutMs: c.timeoutMs })
    case 'udp':
      return udpConnector({ host: c.host, port: c.port })
    case 'ws':
      return wsConnector(c.url, { connectTimeoutMs: c.timeoutMs })
  }
}

/** Explains a failure to connect in terms of what the user can check. */
function connectFailure(e: unknown, c: ClientConfig, pin: PublicKey, source: string): FatalError {
  if (HandshakeError.isInstance(e) && e.check === 'pin-mismatch') {
    return new FatalError(
      [
        `refused: the server at ${where(c)} is not the server you pinned, so nothing was sent to it.`,
        `  pinned id (${source}): ${pin.toBase64url()}`,
        `  the server's id:       ${/server id (\S+) does not match/.exec(e.message)?.[1] ?? e.message}`,
        'Check that the pinned id is the "server id" the demo server printed at start (a server started with another',
        '--data-dir has another id), and that --host/--port reach that server and not another one.',
      ].join('\n'),
      { cause: e },
    )
  }
  if (TimeoutError.isInstance(e) || (HandshakeError.isInstance(e) && e.check === 'timeout')) {
    return new FatalError(
      `no answer from ${where(c)} within ${c.timeoutMs} ms: is the demo server running there? Check --host/--port (the ports it printed at start).`,
      { cause: e },
    )
  }
  const code = (e as { code?: string }).code
  if (code === 'kp.ConnectionRefused' || /ECONNREFUSED|connection refused/i.test(describeError(e))) {
    return new FatalError(
      `cannot reach the demo server at ${where(c)}: connection refused. Is it running? Check --host/--port against the addresses it printed at start.`,
      { cause: e },
    )
  }
  return new FatalError(`cannot connect to ${where(c)}: ${describeError(e)}. Check that the demo server runs there (--host/--port).`, { cause: e })
}

/** Resolves on the first connection; rejects on the first error before it, or after the timeout. */
function firstConnection(client: KiloClient, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => done(new TimeoutError('connect', timeoutMs)), timeoutMs)
    const offConnected = client.on('connected', () => done(null))
    const offError = client.on('error', (e) => done(e))
    const done = (e: Error | null) => {
      clearTimeout(timer)
      offConnected()
      offError()
      if (e) reject(e)
      else resolve()
    }
    if (client.state === 'connected') done(null)
  })
}

function formatChat(m: ChatMessage): string {
  return `[${m.transport}${m.node ? `@${m.node}` : ''}] ${m.nick}: ${m.text}`
}

async function runCommand(client: KiloClient, cmd: ClientCommand, timeoutMs: number): Promise<void> {
  const opts = { timeoutMs }
  switch (cmd.name) {
    case 'ping':
      out('ping', await client.call(cmdPing, cmd.text, opts))
      return
    case 'set-foo':
      await client.call(cmdSetFoo, { text: cmd.text, number: cmd.number }, opts)
      out('set-foo', `ok: foo = ${JSON.stringify(cmd.text)}, ${cmd.number} (in this session)`)
      return
    case 'get-foo': {
      const foo = await client.call(cmdGetFoo, undefined, opts)
      out('get-foo', `foo = ${JSON.stringify(foo.text)}, ${foo.number}`)
      return
    }
    case 'check': {
      const info = await client.call(cmdCheckConnected, undefined, opts)
      out(
        'check',
        `connected over ${info.transport} from ${info.remoteAddress}${info.nick ? ` as ${info.nick}` : ''}, ${info.online} online, server time ${info.serverTime.toISOString()}`,
      )
      return
    }
    case 'chat': {
      const welcome = await client.call(cmdChatJoin, cmd.nick, opts)
      await client.call(cmdChatSend, cmd.text, opts)
      out('chat', `sent as ${welcome.nick} to ${welcome.online} connected client(s)`)
      return
    }
    case 'listen':
      throw new Error('listen is handled by the caller')
  }
}

async function main(): Promise<number> {
  let config: ClientConfig | 'help'
  try {
    config = parseClientArgs(cliArgs())
  } catch (e) {
    if (!(e instanceof UsageError)) throw e
    console.error(`error: ${e.message}\nRun with --help for usage.`)
    return 2
  }
  if (config === 'help') {
    process.stdout.write(CLIENT_HELP)
    return 0
  }
  const c = config
  const { pin, source } = await resolvePin(c)
  const listen = c.commands.at(-1)?.name === 'listen'

  let pushes = 0
  let onCountReached: (() => void) | null = null
  const gotPush = () => {
    pushes++
    if (c.count !== null && pushes >= c.count) onCountReached?.()
  }
  const iface = new KiloInterface()
    .on(cmdPushClient, (text) => {
      out('push', text)
      gotPush()
    })
    .on(cmdChatMessage, (m) => {
      out('chat', formatChat(m))
      gotPush()
    })

  const client = connect(connectorFor(c), {
    serverId: pin,
    iface,
    // one-shot commands fail fast; a listener stays and reconnects (e.g. across a server restart)
    reconnect: listen ? { minDelayMs: 100, maxDelayMs: 2_000 } : false,
    handshakeTimeoutMs: c.timeoutMs,
    callTimeoutMs: c.timeoutMs,
  })
  try {
    await firstConnection(client, c.timeoutMs)
  } catch (e) {
    await client.close()
    throw connectFailure(e, c, pin, source)
  }

  const showSession = () => {
    const token = client.token!
    out('token', toHex(token))
    out('token fp', `${tokenFingerprint(token)}  (the server logs the same for this connection: equal = no one in the middle)`)
  }
  out('connected', where(c))
  out('server id', `${client.remoteId!.toBase64url()} (matches the pin from ${source})`)
  showSession()

  try {
    for (const cmd of c.commands) {
      if (cmd.name === 'listen') break
      try {
        await runCommand(client, cmd, c.timeoutMs)
      } catch (e) {
        const err = e as Error & { code?: string }
        const what = NotFoundError.isInstance(e) ? `NotFound: ${err.message}` : `${err.code ?? err.name}: ${describeError(e)}`
        console.error(`${cmd.name.padEnd(10)} error ${what}`)
        return 1
      }
    }
    if (!listen) return 0

    out('listen', `waiting for pushes${c.count !== null ? ` (exit after ${c.count})` : ''}; Ctrl-C to stop`)
    let finished = false
    return await new Promise<number>((resolveListen) => {
      const resolve = (code: number) => {
        finished = true
        resolveListen(code)
      }
      onCountReached = () => resolve(0)
      if (c.count !== null && pushes >= c.count) resolve(0)
      process.once('SIGINT', () => resolve(0))
      process.once('SIGTERM', () => resolve(0))
      client.on('disconnected', (reason) => out('state', `disconnected (${reason}); reconnecting...`))
      client.on('connected', () => {
        out('state', `reconnected to ${where(c)}, server id ${client.remoteId!.toBase64url()}`)
        showSession()
      })
      client.on('state', (s) => {
        if (s === 'closed' && !finished) {
          console.error('error: the connection ended and cannot be re-established (see above)')
          resolve(1)
        }
      })
      client.on('error', (e) => {
        if (HandshakeError.isInstance(e) && e.check === 'pin-mismatch') console.error(connectFailure(e, c, pin, source).message)
      })
    })
  } finally {
    await client.close()
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    if (e instanceof FatalError) console.error(`error: ${e.message}`)
    else console.error(e)
    process.exit(1)
  },
)
