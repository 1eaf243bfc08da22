/**
 * Good-client process: `client-main.ts <transport> <port> <serverId>`. Connects, says
 * `connected`, calls the server back to back (2 loops) until `stop`, then sends its report
 * (calls, failures, p50/p99 latency) and exits.
 */
import { PublicKey } from '@kp/core'
import { startGoodClient } from '@kp/core/testing'
import { guard, leaveWithParent, send } from './child.js'
import type { ParentMessage } from './messages.js'
import { TRANSPORTS, type TransportName } from './transports.js'

guard('good client')
leaveWithParent()
const [name, port, serverId] = process.argv.slice(2)
const spec = TRANSPORTS[name as TransportName]
if (!spec) throw new TypeError(`unknown transport "${name}"`)
const good = startGoodClient(spec.connector(Number(port)), { serverId: PublicKey.from(serverId!), reliable: spec.arq, concurrency: 2, pauseMs: 1 })
process.on('message', (m: ParentMessage) => {
  if (m.type !== 'stop') return
  void good.stop().then(async (report) => {
    await send({ type: 'report', report })
    process.exit(0)
  })
})
try {
  await good.ready()
  await send({ type: 'connected' })
} catch (e) {
  await send({ type: 'fatal', error: `good client could not connect: ${(e as Error).message}` })
  process.exit(1)
}
