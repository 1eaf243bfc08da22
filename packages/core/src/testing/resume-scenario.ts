import * as bp from '@kp/bipack'
import { SigningKey } from '@kp/crypto'
import { connect } from '../client/connect.js'
import { command } from '../rpc/command.js'
import type { SessionContext } from '../rpc/context.js'
import { KiloInterface } from '../rpc/kilo-interface.js'
import { serve } from '../server/kilo-server.js'
import { stream } from '../stream/define.js'
import type { Connector, TransportListener } from '../transport/transport.js'
import { silentLogger } from '../util/logger.js'
import { cuttable } from './cuttable.js'

/** Settings of {@link runResumeScenario}. */
export interface ResumeScenarioOptions {
  /** Listeners of one `serve()` (several: the client may come back on another). */
  listeners: TransportListener[]
  /** The n-th connection uses `connectors[n]` (the last one repeats). */
  connectors: Connector[]
  /** Datagram transports: reliable mode (streams need it, or a stream transport). */
  reliable?: boolean
  /** Calls in each direction. Default 1000. */
  calls?: number
  /** Pushes in each direction. Default 200. */
  pushes?: number
  /** Items of the server's stream to the client; 0: no stream (plain UDP). Default 2000. */
  streamItems?: number
  /** Links cut. Default 1. */
  cuts?: number
  /** Time between cuts (the first comes once a quarter of the client's calls are answered). Default 40 ms. */
  cutEveryMs?: number
  /** How long a cut link loses everything before its transport closes. Default 0. */
  blackholeMs?: number
  /** The whole run must finish within this. Default 30 000 ms. */
  timeoutMs?: number
}

/** What {@link runResumeScenario} saw; a clean run has every `lost`/`duplicated`/`failed` at zero. */
export interface ResumeScenarioReport {
  cuts: number
  /** Client calls answered when the first cut happened (below `calls.made`: the cut was mid-flight). */
  answeredAtFirstCut: number
  connections: number
  resumed: number
  refused: number
  /** Sessions the server opened (1: every cut was resumed). */
  serverSessions: number
  calls: { made: number; answered: number; wrong: number; failed: number; handlerRunsTwice: number; handlerNeverRan: number }
  serverCalls: { made: number; answered: number; wrong: number; failed: number; handlerRunsTwice: number; handlerNeverRan: number }
  pushes: { toServer: number; toServerDuplicated: number; toClient: number; toClientDuplicated: number; sent: number }
  stream: { expected: number; received: number; inOrder: boolean; error: string | null }
  /** The first few failures, for the test's message. */
  errors: string[]
}

const work = command('resume.work', bp.u32, bp.u32)
const note = command('resume.note', bp.u32, bp.unit)
const count = stream('resume.count', bp.u32, bp.u32)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Runs calls both ways, pushes both ways and a stream over a resumable session while its link
 * is cut, and reports what arrived: each call must have run once and be answered once, each
 * push must arrive once, and the stream must continue in order (PROTOCOL.md 15).
 */
export async function runResumeScenario(o: ResumeScenarioOptions): Promise<ResumeScenarioReport> {
  const calls = o.calls ?? 1000
  const pushes = o.pushes ?? 200
  const items = o.streamItems ?? 2000
  const errors: string[] = []
  const err = (e: unknown) => {
    if (errors.length < 10) errors.push((e as Error)?.message ?? String(e))
  }
  const serverRuns = new Uint32Array(calls)
  const clientRuns = new Uint32Array(calls)
  const pushesAtServer = new Uint32Array(pushes)
  const pushesAtClient = new Uint32Array(pushes)
  const handler = (runs: Uint32Array) => async (n: number) => {
    runs[n]!++
    await sleep(n % 50)
    return n * 2 + 1
  }
  const key = SigningKey.generate()
  const sessions: SessionContext<unknown>[] = []
  const serverIface = new KiloInterface()
    .on(work, handler(serverRuns))
    .on(note, (n) => void pushesAtServer[n]!++)
    .on(count, async function* (n) {
      for (let i = 0; i < n; i++) {
        if (i % 50 === 0) await sleep(1)
        yield i
      }
    })
    .onConnected((ctx) => void sessions.push(ctx))
  const clientIface = new KiloInterface().on(work, handler(clientRuns)).on(note, (n) => void pushesAtClient[n]!++)
  const server = serve(o.listeners, serverIface, { key, resume: { windowMs: 10_000 }, logger: silentLogger })
  const cut = cuttable(o.connectors)
  const client = connect(cut.connector, {
    serverId: key.publicKey,
    resume: true,
    reliable: o.reliable ?? false,
    iface: clientIface,
    logger: silentLogger,
    reconnect: { minDelayMs: 5, maxDelayMs: 100 },
    callTimeoutMs: 60_000,
  })
  let resumed = 0
  let refused = 0
  client.on('resumed', () => resumed++)
  client.on('resumeRefused', (e: Error) => {
    refused++
    err(e)
  })
  const report: ResumeScenarioReport = {
    cuts: 0,
    answeredAtFirstCut: -1,
    connections: 0,
    resumed: 0,
    refused: 0,
    serverSessions: 0,
    calls: { made: calls, answered: 0, wrong: 0, failed: 0, handlerRunsTwice: 0, handlerNeverRan: 0 },
    serverCalls: { made: calls, answered: 0, wrong: 0, failed: 0, handlerRunsTwice: 0, handlerNeverRan: 0 },
    pushes: { toServer: 0, toServerDuplicated: 0, toClient: 0, toClientDuplicated: 0, sent: pushes },
    stream: { expected: items, received: 0, inOrder: true, error: null },
    errors,
  }
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    await client.ready({ timeoutMs: 10_000 })
    while (sessions.length === 0) await sleep(1)
    const ctx = sessions[0]!
    const tally = (t: ResumeScenarioReport['calls']) => (p: Promise<number>, i: number) =>
      p.then(
        (r) => {
          if (++t.answered === Math.ceil(calls / 4) && t === report.calls) {
            // cut right here, between two answers
            report.answeredAtFirstCut = t.answered
            cut.cut(o.blackholeMs ?? 0)
            quarter()
          }
          if (r !== i * 2 + 1) t.wrong++
        },
        (e) => {
          t.failed++
          err(e)
        },
      )
    // the first cut comes the moment a quarter of the client's calls are answered: the rest are in flight
    let quarter!: () => void
    const quarterAnswered = new Promise<void>((r) => (quarter = r))
    const all: Promise<unknown>[] = []
    for (let i = 0; i < calls; i++) all.push(tally(report.calls)(client.call(work, i), i))
    for (let i = 0; i < calls; i++) all.push(tally(report.serverCalls)(ctx.call(work, i), i))
    if (items > 0) {
      const got: number[] = []
      all.push(
        (async () => {
          try {
            for await (const x of client.stream(count, items, { credit: 32 })) got.push(x)
          } catch (e) {
            report.stream.error = (e as Error).message
            err(e)
          }
          report.stream.received = got.length
          report.stream.inOrder = got.every((v, i) => v === i)
        })(),
      )
    }
    all.push(
      (async () => {
        for (let i = 0; i < pushes; i++) {
          try {
            client.push(note, i)
            ctx.push(note, i)
          } catch (e) {
            err(e)
          }
          if (i % 10 === 9) await sleep(1)
        }
      })(),
    )
    all.push(
      (async () => {
        await quarterAnswered
        for (let k = 1; k < (o.cuts ?? 1); k++) {
          await sleep(o.cutEveryMs ?? 40)
          while (client.state !== 'connected') await sleep(2)
          cut.cut(o.blackholeMs ?? 0)
        }
      })(),
    )
    const timeoutMs = o.timeoutMs ?? 30_000
    await Promise.race([
      Promise.all(all),
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          err(new Error(`the scenario did not finish within ${timeoutMs} ms`))
          resolve()
        }, timeoutMs)
      }),
    ])
    // pushes still travelling: wait until they stop changing
    for (let i = 0; i < 50 && sum(pushesAtServer) + sum(pushesAtClient) < 2 * pushes; i++) await sleep(10)
  } finally {
    clearTimeout(timer)
    report.cuts = cut.cuts
    report.connections = cut.connections
    report.resumed = resumed
    report.refused = refused
    report.serverSessions = sessions.length
    count1(serverRuns, report.calls)
    count1(clientRuns, report.serverCalls)
    report.pushes.toServer = nonZero(pushesAtServer)
    report.pushes.toServerDuplicated = over1(pushesAtServer)
    report.pushes.toClient = nonZero(pushesAtClient)
    report.pushes.toClientDuplicated = over1(pushesAtClient)
    await client.close()
    await server.close()
  }
  return report
}

function count1(runs: Uint32Array, t: ResumeScenarioReport['calls']): void {
  t.handlerRunsTwice = over1(runs)
  t.handlerNeverRan = runs.length - nonZero(runs)
}
const sum = (a: Uint32Array) => a.reduce((x, y) => x + y, 0)
const nonZero = (a: Uint32Array) => a.reduce((x, y) => x + (y > 0 ? 1 : 0), 0)
const over1 = (a: Uint32Array) => a.reduce((x, y) => x + (y > 1 ? 1 : 0), 0)
