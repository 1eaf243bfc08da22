// Shape (a): @kp/core + @kp/transport-tcp only. A TCP server and a client in one process.
import { SigningKey } from '@kp/core'
import { connectTcp, createTcpServer } from '@kp/transport-tcp'
import { cmdPing, makeApi } from './api.mjs'

const key = SigningKey.generate()
const server = await createTcpServer(makeApi(), { key, host: '127.0.0.1', port: 0 })
const client = connectTcp({ host: '127.0.0.1', port: server.address.port, serverId: key.publicKey })
const result = await client.call(cmdPing, 'tcp')
await client.close()
await server.close()
console.log(JSON.stringify({ tcp: result }))
