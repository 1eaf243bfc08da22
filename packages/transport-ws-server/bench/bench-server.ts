/**
 * The server half of the benchmark, run in a child process (its own core, like a real
 * deployment): a plain `ws` binary echo and a Kiloparsec server with an `echo` command.
 */
import { bp, command, KiloInterface, SigningKey } from '@kp/core'
import { WebSocketServer } from 'ws'
import { createWsServer } from '../src/index.js'

/** The command every benchmark call makes: bytes in, the same bytes back. */
export const cmdEcho = command('echo', bp.bytes, bp.bytes)

async function startPlainEcho(): Promise<number> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 })
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }))
    ws.on('error', () => {})
  })
  await new Promise((r) => wss.once('listening', r))
  return (wss.address() as { port: number }).port
}

async function startKp(): Promise<{ kp: number; serverId: string }> {
  const key = SigningKey.generate()
  const server = await createWsServer(
    new KiloInterface().on(cmdEcho, (b) => b),
    { key, port: 0, host: '127.0.0.1' },
  )
  return { kp: server.address.port, serverId: key.publicKey.toHex() }
}

if (process.send) {
  process.send({ ws: await startPlainEcho(), ...(await startKp()) })
  process.on('disconnect', () => process.exit(0))
}
