/**
 * Server process: `server-main.ts <transport>`. Serves the fuzz API on 127.0.0.1 (a free port),
 * sends `ready`, answers `state?`, and lives until the orchestrator disconnects. It installs no
 * handler for unhandled rejections or uncaught exceptions: one of those ends the process with
 * Node's own exit code, and that is the crash the run counts.
 */
import { serve, SigningKey } from '@kp/core'
import { fuzzServeOptions, fuzzServerInterface } from '@kp/core/testing'
import { leaveWithParent, send } from './child.js'
import { LIMITS } from './limits.js'
import type { ParentMessage, ServerState } from './messages.js'
import { TRANSPORTS, type TransportName } from './transports.js'

leaveWithParent()
const spec = TRANSPORTS[process.argv[2] as TransportName]
if (!spec) throw new TypeError(`unknown transport "${process.argv[2]}"`)
const key = SigningKey.generate()
const listener = await spec.listen()
const server = serve(listener, fuzzServerInterface(), fuzzServeOptions(key, LIMITS))

function state(): ServerState {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  gc?.()
  const m = process.memoryUsage()
  return {
    rssMb: Math.round((m.rss / 1048576) * 10) / 10,
    heapMb: Math.round((m.heapUsed / 1048576) * 10) / 10,
    sessionCount: server.sessionCount,
    halfOpenCount: server.halfOpenCount,
    counters: spec.counters ? spec.counters(listener) : {},
  }
}

process.on('message', (m: ParentMessage) => {
  if (m.type === 'state?') void send({ type: 'state', id: m.id, state: state() })
})
await send({ type: 'ready', port: listener.address.port, serverId: key.publicKey.toString() })
