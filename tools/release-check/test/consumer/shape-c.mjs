// Shape (c): everything. One interface served on TCP, UDP and WebSocket by one server; one
// call over each transport.
import { serve, SigningKey } from '@kp/core'
import { connectTcp, tcpListener } from '@kp/transport-tcp'
import { connectUdp, udpListener } from '@kp/transport-udp'
import { connectWs } from '@kp/transport-ws-client'
import { wsListener } from '@kp/transport-ws-server'
import { cmdPing, makeApi } from './api.mjs'

const key = SigningKey.generate()
const host = '127.0.0.1'
const tcp = await tcpListener({ host, port: 0 })
const udp = await udpListener({ host, port: 0 })
const ws = await wsListener({ host, port: 0 })
const server = serve([tcp, udp, ws], makeApi(), { key })

/** @type {Array<[string, import('@kp/core').KiloClient]>} */
const clients = [
  ['tcp', connectTcp({ host, port: tcp.address.port, serverId: key.publicKey })],
  ['udp', connectUdp({ host, port: udp.address.port, serverId: key.publicKey })],
  ['ws', connectWs(ws.url, { serverId: key.publicKey })],
]
/** @type {Record<string, string>} */
const results = {}
for (const [name, client] of clients) {
  results[name] = await client.call(cmdPing, name)
  await client.close()
}
await server.close()
console.log(JSON.stringify(results))
