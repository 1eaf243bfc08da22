import { SigningKey } from '@kp/crypto'
import { type KiloServer, serve } from '../server/kilo-server.js'
import type { Connector, TransportListener } from '../transport/transport.js'
import { type CrashTrap, heapUsedAfterGc, installCrashTrap } from './crash-trap.js'
import { FuzzRandom } from './fuzz-random.js'
import { defaultFuzzLimits, type FuzzLimits, type FuzzServerStats, fuzzServeOptions, fuzzServerInterface, newFuzzServerStats } from './fuzz-api.js'
import { type GoodClient, type GoodClientReport, startGoodClient } from './good-client.js'
import { type CaseRecord, type HostileCampaignOptions, type HostileCampaignResult, runHostileCampaign } from './hostile-campaign.js'
import type { FuzzTargetInfo } from './hostile-cases.js'
import { checkServerSide, type ListenerObserver, observeListener } from './server-observer.js'

/** A transport under fuzz: how to listen and connect. */
export interface FuzzTransportTarget {
  /** Shown in test names and reports. */
  name: string
  /** Must match the transports' `reliable`. */
  reliable: boolean
  /** Datagram transports: raw clients and the good client use reliable datagram mode. */
  arq?: boolean
  /** Starts a listener on 127.0.0.1. */
  listen(): Promise<TransportListener>
  /** A connector to that listener (used by the attacker and by the good client). */
  connector(listener: TransportListener): Connector
  /** Listener-level counters that must be back to 0 once the run drained (open sockets, UDP sessions). */
  counters?(listener: TransportListener): Record<string, number>
  /** Overrides of {@link defaultFuzzLimits}. */
  limits?: Partial<FuzzLimits>
  /**
   * Transport-specific hostile phases (raw bytes on a TCP stream, WebSocket control frames...):
   * each runs against the same server while the good client calls, and returns the problems it saw.
   */
  extraPhases?: readonly FuzzExtraPhase[]
}

/** A transport-specific hostile phase (see {@link FuzzTransportTarget.extraPhases}). */
export interface FuzzExtraPhase {
  /** Test title: the hostile input and what the server must do. */
  title: string
  run(ctx: { listener: TransportListener; rng: FuzzRandom; limits: FuzzLimits }): Promise<string[]>
}

/** What one phase of a run (one group of hostile sequences, or the mix) found. */
export interface FuzzPhaseReport {
  /** Unhandled rejections and uncaught exceptions during the phase (a server process would have died). */
  crashes: string[]
  /** Good-client failures during the phase. */
  goodFailures: string[]
  /** Problems seen from the attacker's side (a connection not closed, a probe not answered...). */
  attackerProblems: string[]
  /** Problems of this phase's sequences seen on the server side (wrong close codes). */
  serverProblems: string[]
  sequences: number
  frames: number
  elapsedMs: number
}

/** Everything a fuzz run found, ready to assert on. */
export interface FuzzReport {
  seed: number
  phases: Record<string, FuzzPhaseReport>
  /** Crashes not attributed to a phase (during the drain). */
  crashes: string[]
  warnings: string[]
  good: GoodClientReport
  /** Server-side problems of no particular sequence (unnamed close errors, transports left open). */
  serverProblems: string[]
  /** Server state that did not return to zero after the run drained. */
  leaks: string[]
  heapBeforeMb: number | null
  heapAfterMb: number | null
  /** Server-side transport closes by code. */
  closeCodes: Record<string, number>
  sequences: number
  frames: number
  elapsedMs: number
}

/** A fuzzed server (in this process), its good client and the hostile campaigns against it. */
export interface FuzzHarness {
  readonly target: FuzzTargetInfo
  readonly server: KiloServer<unknown>
  readonly observer: ListenerObserver
  readonly stats: FuzzServerStats
  readonly trap: CrashTrap
  readonly good: GoodClient
  readonly connector: Connector
  /** Runs one campaign as the phase `name` (crashes and good-client failures meanwhile are its own). */
  phase(name: string, o: Omit<HostileCampaignOptions, 'connector' | 'target'>): Promise<HostileCampaignResult>
  /** Runs a transport-specific phase as the phase `name`. */
  extra(name: string, p: FuzzExtraPhase, seed: number): Promise<void>
  /** Stops the good client, waits for the server to drain, checks and closes everything. */
  finish(): Promise<FuzzReport>
}

const mb = (b: number | null) => (b === null ? null : Math.round((b / 1048576) * 10) / 10)
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
const cap = (list: string[], n = 8) => (list.length > n ? [...list.slice(0, n), `... and ${list.length - n} more`] : list)

/**
 * Starts a server with the fuzz API (async `authorize` and `onConnected`, small limits) on the
 * target's listener, installs the crash trap and connects a good client that keeps calling.
 */
export async function startFuzzHarness(t: FuzzTransportTarget, seed: number): Promise<FuzzHarness> {
  const trap = installCrashTrap()
  const limits: FuzzLimits = { ...defaultFuzzLimits, ...t.limits }
  const key = SigningKey.generate()
  const inner = await t.listen()
  const observer = observeListener(inner)
  const stats = newFuzzServerStats()
  const server = serve(observer.listener, fuzzServerInterface(stats), fuzzServeOptions(key, limits))
  const connector = t.connector(inner)
  // the attacker's frame limit: what one transport of this connector carries
  const sample = await connector()
  const maxFrame = sample.maxFrame
  sample.close()
  const before = observer.transports.length
  const good = startGoodClient(connector, { serverId: key.publicKey, reliable: !!t.arq, pauseMs: 2 })
  await good.ready()
  const goodTransports = new Set(observer.transports.slice(before))
  const target: FuzzTargetInfo = { reliable: t.reliable, arq: !!t.arq, maxFrame, limits, serverId: key.publicKey }
  const heapBefore = heapUsedAfterGc()
  const records: CaseRecord[] = []
  const phases: Record<string, FuzzPhaseReport> = {}
  const phaseOf = new Map<CaseRecord, string>()
  let sequences = 0
  let frames = 0
  let crashesSeen = 0
  const started = Date.now()
  return {
    target,
    server,
    observer,
    stats,
    trap,
    good,
    connector,
    async phase(name, o) {
      const goodBefore = good.failures().length
      const t0 = Date.now()
      const r = await runHostileCampaign({ ...o, connector, target })
      await delay(20) // a rejection surfaces a few turns after its cause
      for (const rec of r.records) {
        records.push(rec)
        phaseOf.set(rec, name)
      }
      sequences += r.sequences
      frames += r.frames
      phases[name] = {
        crashes: cap(trap.errors.slice(crashesSeen)),
        goodFailures: cap(good.failures().slice(goodBefore)),
        attackerProblems: r.problems,
        serverProblems: [],
        sequences: r.sequences,
        frames: r.frames,
        elapsedMs: Date.now() - t0,
      }
      crashesSeen = trap.errors.length
      return r
    },
    async extra(name, p, phaseSeed) {
      const goodBefore = good.failures().length
      const t0 = Date.now()
      let problems: string[]
      try {
        problems = await p.run({ listener: inner, rng: new FuzzRandom(phaseSeed), limits })
      } catch (e) {
        problems = [`the phase itself failed: ${(e as Error)?.stack ?? e}`]
      }
      await delay(20)
      phases[name] = {
        crashes: cap(trap.errors.slice(crashesSeen)),
        goodFailures: cap(good.failures().slice(goodBefore)),
        attackerProblems: cap(problems, 20),
        serverProblems: [],
        sequences: 0,
        frames: 0,
        elapsedMs: Date.now() - t0,
      }
      crashesSeen = trap.errors.length
    },
    async finish() {
      const goodReport = await good.stop()
      // drain: half-open handshakes time out, abandoned datagram sessions idle out
      const counters = () => ({
        sessionCount: server.sessionCount,
        halfOpenCount: server.halfOpenCount,
        openTransports: observer.open,
        ...(t.counters ? t.counters(inner) : {}),
      })
      const end = Date.now() + limits.handshakeTimeoutMs + limits.idleTimeoutMs + 3_000
      while (Object.values(counters()).some((v) => v !== 0) && Date.now() < end) await delay(25)
      const leaks = Object.entries(counters())
        .filter(([, v]) => v !== 0)
        .map(([k, v]) => `${k} is ${v} after the run drained (expected 0)`)
      const heapAfter = heapUsedAfterGc()
      const serverProblems: string[] = []
      for (const p of checkServerSide(observer, records, goodTransports)) {
        const phase = p.record ? phases[phaseOf.get(p.record)!] : undefined
        if (phase) phase.serverProblems.push(p.text)
        else serverProblems.push(p.text)
      }
      for (const phase of Object.values(phases)) phase.serverProblems = cap(phase.serverProblems)
      await server.close()
      await delay(10)
      trap.dispose()
      return {
        seed,
        phases,
        crashes: cap(trap.errors.slice(crashesSeen)),
        warnings: trap.warnings.slice(),
        good: goodReport,
        serverProblems: cap(serverProblems),
        leaks,
        heapBeforeMb: mb(heapBefore),
        heapAfterMb: mb(heapAfter),
        closeCodes: Object.fromEntries(observer.closeCodes),
        sequences,
        frames,
        elapsedMs: Date.now() - started,
      }
    },
  }
}
