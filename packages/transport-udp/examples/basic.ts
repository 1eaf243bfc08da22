// The README example: `node --conditions=@kp/source --import tsx examples/basic.ts`
import { bp, command, KiloInterface, SigningKey } from '@kp/core'
import { connectUdp, createUdpServer } from '@kp/transport-udp'

const cmdPing = command('ping', bp.string, bp.string)

// server
const key = SigningKey.generate()
const api = new KiloInterface().on(cmdPing, (text) => `pong: ${text}`)
const server = await createUdpServer(api, { key, host: '127.0.0.1', port: 0 })
const { port } = server.listener.address

// client (pins the server's public key)
const client = connectUdp({ host: '127.0.0.1', port, serverId: key.publicKey })
console.log(await client.call(cmdPing, 'hello')) // "pong: hello"

await client.close()
await server.close()
