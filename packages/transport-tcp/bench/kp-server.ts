import { bp, command, KiloInterface, SigningKey } from '@kp/core'
import { createTcpServer } from '../src/index.js'

/** The command every benchmark call makes: bytes in, the same bytes back. */
export const cmdEcho = command('echo', bp.bytes, bp.bytes)

/** A Kiloparsec server answering `echo`; resolves with its port and key (the client pins it). */
export async function startKpServer(): Promise<{ kp: number; serverId: string }> {
  const key = SigningKey.generate()
  const server = await createTcpServer(
    new KiloInterface().on(cmdEcho, (b) => b),
    { key, port: 0 },
  )
  return { kp: server.address.port, serverId: key.publicKey.toString() }
}
