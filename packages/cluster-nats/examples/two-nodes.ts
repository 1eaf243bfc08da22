// Two Kiloparsec servers (think: two machines) joined through NATS: a client connected to node B
// is pushed to and called from node A, and a topic reaches members on both nodes.
// Run: pnpm --filter @kp/cluster-nats example   (starts a nats-server on 127.0.0.1 itself)
import { randomBytes } from 'node:crypto'
import { bp, command, connect, KiloInterface, SigningKey } from '@kp/core'
import { createTcpServer, tcpConnector } from '@kp/transport-tcp'
import { createCluster, natsBus } from '@kp/cluster-nats'
import { startNatsServer } from '@kp/cluster-nats/testing'

// api.ts, shared by servers and clients
const cmdNews = command('news', bp.string, bp.unit)
const cmdAsk = command('ask', bp.string, bp.string)

const nats = await startNatsServer() // in production: your NATS servers' URLs
const serverKey = SigningKey.generate() // one id for the whole service: clients pin it
const clusterKey = randomBytes(32) // the same on every node: seals every bus message

async function startNode(name: string) {
  const api = new KiloInterface()
  const server = await createTcpServer(api, { key: serverKey, host: '127.0.0.1', port: 0 })
  const bus = await natsBus({ servers: nats.url }) // plus user/pass, authenticator, tls: { caFile }...
  const cluster = await createCluster(server, bus, { name, key: clusterKey })
  api.onConnected((ctx) => cluster.join(ctx, 'lobby')) // every session joins the lobby topic
  return { server, bus, cluster }
}
const a = await startNode('node-a')
const b = await startNode('node-b')

// a client of node B, with its own key: that key is its address in the whole cluster
const clientKey = SigningKey.generate()
const client = connect(tcpConnector({ host: '127.0.0.1', port: b.server.address.port }), {
  serverId: serverKey.publicKey,
  key: clientKey,
  iface: new KiloInterface().on(cmdNews, (text) => console.log(`client on node-b got: ${text}`)).on(cmdAsk, (q) => `yes, ${q}`),
})
await client.ready()
while (a.cluster.locate(clientKey.publicKey).length === 0) await new Promise((r) => setTimeout(r, 10))
console.log('node-a locates the client on', a.cluster.locate(clientKey.publicKey)[0]?.name)

a.cluster.push(clientKey.publicKey, cmdNews, 'a push from node-a')
console.log('node-a called it:', await a.cluster.call(clientKey.publicKey, cmdAsk, 'over NATS?', { timeoutMs: 5000 }))
a.cluster.publish('lobby', cmdNews, 'to the lobby, on every node')
await new Promise((r) => setTimeout(r, 100))

await client.close()
for (const n of [a, b]) {
  await n.cluster.close() // says goodbye: the other nodes forget its clients at once
  await n.server.close()
  await n.bus.close()
}
await nats.stop()
process.exit(0)
