// A WebSocket server for shape (b)'s clients, from shape (c)'s install. Prints one JSON line
// ({ url, serverId }) once listening; closes when its stdin closes.
import { SigningKey } from '@kp/core'
import { createWsServer } from '@kp/transport-ws-server'
import { makeApi } from './api.mjs'

const key = SigningKey.generate()
const server = await createWsServer(makeApi(), { key, host: '127.0.0.1', port: 0 })
console.log(JSON.stringify({ url: server.url, serverId: key.publicKey.toHex() }))
process.stdin.resume()
process.stdin.on('end', async () => {
  await server.close()
  process.exit(0)
})
