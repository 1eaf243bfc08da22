// The README example, runnable: pnpm --filter @kp/transport-tcp example
import { bp, command, KiloInterface, SigningKey } from '@kp/core'
import { connectTcp, createTcpServer } from '@kp/transport-tcp'

// api.ts — shared by server and client
export const cmdHello = command('hello', bp.string, bp.string)

// server: its Ed25519 key is its identity (keep it: SigningKey.fromHex(savedSeedHex) next time)
const key = SigningKey.generate()
const api = new KiloInterface().on(cmdHello, (name) => `hello, ${name}`)
const server = await createTcpServer(api, { key, host: '127.0.0.1', port: 0 }) // port 0: any free port
console.log(`listening on ${server.address.host}:${server.address.port}, server id ${key.publicKey}`)

// client: pins the server's public key; the handshake fails on any other key
const client = connectTcp({ host: '127.0.0.1', port: server.address.port, serverId: key.publicKey.toString() })
console.log(await client.call(cmdHello, 'world')) // hello, world
await client.close()
await server.close()
