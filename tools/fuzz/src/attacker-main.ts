/**
 * Attacker process: `attacker-main.ts <transport> <port> <serverId> <frames> <seed>`. Runs the
 * hostile sequences of `@kp/core/testing` against the server until `frames` hostile frames were
 * sent (or `stop` arrives), reports progress every second and a summary at the end. Frame-heavy
 * sequences (floods, garbage datagrams, forged records) are drawn more often than in the test
 * suites, so a million frames take minutes, not hours; every sequence still runs thousands of times.
 */
import { PublicKey } from '@kp/core'
import { casesFor, frameHeavyWeight, type FuzzTargetInfo, runHostileCampaign } from '@kp/core/testing'
import { guard, leaveWithParent, send } from './child.js'
import { LIMITS } from './limits.js'
import type { ParentMessage } from './messages.js'
import { TRANSPORTS, type TransportName } from './transports.js'

guard('attacker')
leaveWithParent()
const [name, port, serverId, frames, seed] = process.argv.slice(2)
const spec = TRANSPORTS[name as TransportName]
if (!spec) throw new TypeError(`unknown transport "${name}"`)
const connector = spec.connector(Number(port))
const sample = await connector()
const target: FuzzTargetInfo = { reliable: spec.reliable, arq: spec.arq, maxFrame: sample.maxFrame, limits: LIMITS, serverId: PublicKey.from(serverId!) }
sample.close()

let stopped = false
process.on('message', (m: ParentMessage) => {
  if (m.type === 'stop') stopped = true
})
let sent = 0
let sequences = 0
const progress = setInterval(() => void send({ type: 'progress', frames: sent, sequences }), 1_000)
const result = await runHostileCampaign({
  connector,
  target,
  cases: casesFor(target),
  seed: Number(seed),
  frames: Number(frames),
  lanes: 16,
  keepRecords: false,
  weight: frameHeavyWeight(8),
  stop: () => stopped,
  onSequence: (f, s) => {
    sent = f
    sequences = s
  },
})
clearInterval(progress)
await send({
  type: 'done',
  frames: result.frames,
  sequences: result.sequences,
  refused: result.refused,
  connectFailures: result.connectFailures,
  problems: result.problems.slice(0, 20),
  problemCount: [...result.totals.values()].reduce((n, t) => n + t.problems, 0),
  cases: [...result.totals].map(([n, t]) => ({ name: n, runs: t.runs, frames: t.frames, problems: t.problems })),
  elapsedMs: result.elapsedMs,
})
process.exit(0)
