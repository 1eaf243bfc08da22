/** A client process of cluster.bench.ts: `cluster-client.ts <port> <serverId> <sessions> <in flight> <ms>`; prints one JSON line. */
import { connectUdp } from '../src/index.js'
import { cmdWhoami } from '../examples/cluster-api.js'

const [port, serverId, sessionsArg, inFlightArg, msArg] = process.argv.slice(2)
const sessions = Number(sessionsArg)
const inFlight = Number(inFlightArg)
const ms = Number(msArg)
const clients = Array.from({ length: sessions }, () => connectUdp({ host: '127.0.0.1', port: Number(port), serverId: serverId!, reconnect: false }))
const owners = await Promise.all(clients.map((c) => c.call(cmdWhoami, undefined)))
const end = performance.now() + ms
let calls = 0
let errors = 0
let moved = 0
await Promise.all(
  clients.flatMap((c, i) =>
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) {
        try {
          const a = await c.call(cmdWhoami, undefined)
          if (a.pid !== owners[i]!.pid) moved++
          calls++
        } catch {
          errors++
        }
      }
    }),
  ),
)
console.log(JSON.stringify({ calls, errors, moved, pids: [...new Set(owners.map((o) => o.pid))] }))
await Promise.all(clients.map((c) => c.close()))
process.exit(0)
