import { beforeAll, describe, expect, it } from 'vitest'
import { type ClientFuzzTarget, runClientFuzz } from './client-fuzz.js'
import { defaultFuzzLimits } from './fuzz-api.js'
import { type FuzzPhaseReport, type FuzzReport, type FuzzTransportTarget, startFuzzHarness } from './fuzz-harness.js'
import { fuzzSeed } from './fuzz-random.js'
import { casesFor, frameHeavyWeight, type FuzzGroup, type FuzzTargetInfo } from './hostile-cases.js'

/** What a transport package hands to {@link runFuzzSuite}. */
export interface FuzzSuiteTarget extends FuzzTransportTarget {
  /** Default seed (`KP_FUZZ_SEED` overrides it). */
  seed?: number
  /** Hostile sequences of the mixed phase. Default 150. */
  sequences?: number
  /** Runs of each hostile case in the per-group phases. Default 1. */
  repeats?: number
  /** Time the whole run may take, ms. Default 60 000. */
  timeoutMs?: number
  /** Largest heap growth (after gc) a run may leave behind, MiB. Default 24. */
  heapGrowthMb?: number
}

/** One test per group; the title states the hostile input and what the server must do. */
export const fuzzGroupTitles: Record<FuzzGroup, string> = {
  handshake:
    'hostile handshakes (random bytes, truncated/oversized/zero-padded HELLO, bad version or padding, small-order key, frames before HELLO, duplicated and reordered HELLO/FINISH, forged WELCOME and FINISH, REJECT/COOKIE from the client, half-open): each connection closed with a named error',
  'behind-finish':
    'finding (issue 14): two CALLs with the same id right behind FINISH, before READY, with async authorize and onConnected: the session closes with kp.Protocol and nothing is left unhandled; early calls past maxInFlight get kp.Busy, early pushes past it do not end the session',
  'duplicate-ids': 'duplicate call ids in one record and across records after READY: the session closes with kp.Protocol',
  'unknown-ids': 'RESULT, ERROR and CANCEL for unknown ids, results for calls never made, answers sent twice or never: ignored, the session keeps working',
  malformed:
    'malformed sessions (READY from the client, empty plaintext, unknown kinds, truncated messages, non-minimal smartints, ids past 2^53, bad arguments, records after CLOSE, other frame types): closed with kp.Protocol or answered',
  limits: 'limits: calls past maxInFlight get kp.Busy; messages past maxMessage, push floods and a huge CLOSE reason stay bounded',
  flood: 'PING and call floods are answered and stay bounded',
  counters: 'records with replayed, skipped or far-future counters, bad tags and unparsable headers: closed on reliable transports, dropped on datagrams',
  arq: 'reliable datagram mode: garbage ARQ payloads, segments outside the window, fragments that never complete, bogus ACKs and una, zero windows, duplicates: dropped, the session survives',
}

const verbose = () => !!(globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.KP_FUZZ_VERBOSE
const replay = (seed: number) => `seed ${seed} (replay: KP_FUZZ_SEED=${seed})`

/**
 * Asserts one phase: nothing crashed, the good client never failed, no broken expectation on
 * either side. All four lists are compared at once, so one failure shows every finding.
 */
export function expectPhaseClean(phase: FuzzPhaseReport | undefined, seed: number): void {
  expect(phase, `the phase did not run (see the run's error), ${replay(seed)}`).toBeDefined()
  const p = phase!
  expect(
    { crashes: p.crashes, goodClientFailures: p.goodFailures, attacker: p.attackerProblems, serverSide: p.serverProblems },
    `crashes (unhandled rejections / uncaught exceptions: a server process would have died), good-client failures, broken expectations seen by the attacker and on the server side; ${replay(seed)}`,
  ).toEqual({ crashes: [], goodClientFailures: [], attacker: [], serverSide: [] })
}

/** Asserts what a whole run leaves: server drained to zero, every transport closed by name, heap bounded. */
export function expectRunClean(report: FuzzReport, heapGrowthMb = 24): void {
  const growth = report.heapBeforeMb !== null && report.heapAfterMb !== null ? report.heapAfterMb - report.heapBeforeMb : 0
  expect(
    {
      crashesWhileDraining: report.crashes,
      goodClientFailures: report.good.failures === 0 ? [] : report.good.errors,
      serverSide: report.serverProblems,
      leaks: report.leaks,
      heapGrowthOverBound: growth < heapGrowthMb ? null : `${report.heapBeforeMb} -> ${report.heapAfterMb} MiB after gc (bound: ${heapGrowthMb} MiB)`,
    },
    `after the run; ${replay(report.seed)}`,
  ).toEqual({ crashesWhileDraining: [], goodClientFailures: [], serverSide: [], leaks: [], heapGrowthOverBound: null })
}

/**
 * Declares the seeded fuzz tests of one transport. One server with the fuzz API runs for the
 * whole suite while a good client keeps calling; hostile sequences come in phases, one per group
 * (each case a few times), then a weighted mix. Each phase has its own test (failing on an
 * unhandled rejection or uncaught exception during it, a good-client failure, a connection the
 * server should have closed with a named error, or a session that should have survived); a last
 * test checks that the server drained to zero and the heap stayed bounded. The seed is in every
 * message; `KP_FUZZ_SEED` replays it, `KP_FUZZ_VERBOSE=1` prints what each phase did.
 * @example
 * runFuzzSuite({ name: 'tcp', reliable: true, listen: () => tcpListener({ host: '127.0.0.1', port: 0 }), connector: (l) => tcpConnector({ port: l.address.port }) })
 */
export function runFuzzSuite(target: FuzzSuiteTarget): void {
  const seed = fuzzSeed(target.seed ?? 0x6b700014)
  const info: FuzzTargetInfo = {
    reliable: target.reliable,
    arq: !!target.arq,
    maxFrame: 0,
    limits: { ...defaultFuzzLimits, ...target.limits },
    serverId: null as never,
  }
  const groups = (Object.keys(fuzzGroupTitles) as FuzzGroup[]).filter((g) => casesFor(info, [g]).length > 0)
  const sequences = target.sequences ?? 150
  const repeats = target.repeats ?? 1
  describe(`fuzz ${target.name} (seed ${seed}, KP_FUZZ_SEED replays)`, () => {
    let report: FuzzReport | null = null
    let runError: unknown = null
    beforeAll(async () => {
      try {
        const h = await startFuzzHarness(target, seed)
        try {
          let g = 0
          for (const group of groups) {
            const cases = casesFor(h.target, [group])
            const s = (seed + ++g * 0x1000) >>> 0
            await h.phase(group, { cases, seed: s, sequences: cases.length * repeats, roundRobin: true, lanes: 8 })
          }
          for (const [i, p] of (target.extraPhases ?? []).entries()) await h.extra(`extra ${i}`, p, (seed + 0x100000 + i) >>> 0)
          await h.phase('mix', { cases: casesFor(h.target), seed, sequences, lanes: 12, weight: frameHeavyWeight(4) })
        } finally {
          report = await h.finish()
        }
        if (verbose()) {
          const r = report as FuzzReport
          for (const [name, p] of Object.entries(r.phases))
            console.log(`fuzz ${target.name} ${name}: ${p.sequences} sequences, ${p.frames} frames, ${p.elapsedMs} ms`)
          console.log(
            `fuzz ${target.name}: ${r.elapsedMs} ms, good client ${r.good.calls} calls p50 ${r.good.p50Ms} ms p99 ${r.good.p99Ms} ms, heap ${r.heapBeforeMb} -> ${r.heapAfterMb} MiB, closes ${JSON.stringify(r.closeCodes)}`,
          )
        }
      } catch (e) {
        runError = e
      }
    }, target.timeoutMs ?? 60_000)
    const failed = () => console.error(`fuzz ${target.name} failed: replay with KP_FUZZ_SEED=${seed}`)
    for (const group of groups) {
      it(fuzzGroupTitles[group], ({ onTestFailed }) => {
        onTestFailed(failed)
        expect(runError, 'the fuzz run itself failed').toBeNull()
        expectPhaseClean(report?.phases[group], seed)
      })
    }
    for (const [i, p] of (target.extraPhases ?? []).entries()) {
      it(p.title, ({ onTestFailed }) => {
        onTestFailed(failed)
        expect(runError, 'the fuzz run itself failed').toBeNull()
        expectPhaseClean(report?.phases[`extra ${i}`], seed)
      })
    }
    it(`a seeded mix of ${sequences} hostile sequences while a good client calls: no crash, no good-client failure, every hostile connection closed or answered`, ({
      onTestFailed,
    }) => {
      onTestFailed(failed)
      expect(runError, 'the fuzz run itself failed').toBeNull()
      expectPhaseClean(report?.phases.mix, seed)
    })
    it('after the run: the good client never failed, the server drained to zero sessions, half-open handshakes and open transports, each closed with a named error, heap bounded', ({
      onTestFailed,
    }) => {
      onTestFailed(failed)
      expect(runError, 'the fuzz run itself failed').toBeNull()
      expectRunClean(report!, target.heapGrowthMb)
    })
  })
}

/** Warnings that mean a peer reached a timer or a listener list it should not. */
const PEER_WARNINGS = /TimeoutOverflowWarning|TimeoutNegativeWarning|TimeoutNaNWarning|MaxListenersExceededWarning/

/**
 * Declares the seeded client-side fuzz test of one transport: real `KiloClient`s against
 * hostile servers (forged and odd WELCOMEs, REJECT and COOKIE, READY with extreme values, CLOSE
 * or records before READY, answers to calls never made, hostile CALLs, malformed records, PING
 * floods). Fails on an unhandled rejection or uncaught exception, a call that does not settle
 * (result or library error) in bounded time, a client that does not close, a timer overflow
 * warning, or a client that PINGs faster than 100/s because the server asked it to.
 */
export function runClientFuzzSuite(target: ClientFuzzTarget & { seed?: number; sequences?: number; timeoutMs?: number }): void {
  const seed = fuzzSeed(target.seed ?? 0x6b70c11e)
  const sequences = target.sequences ?? 24
  describe(`client fuzz ${target.name} (seed ${seed}, KP_FUZZ_SEED replays)`, () => {
    it(
      `${sequences} hostile servers (forged or odd WELCOME, REJECT/COOKIE, READY with extreme values, CLOSE or records before READY, answers to calls never made, hostile CALLs, malformed records, PING floods): KiloClient never crashes, every call settles with a result or a named error, no timer overflow, PINGs bounded`,
      async ({ onTestFailed }) => {
        onTestFailed(() => console.error(`client fuzz ${target.name} failed: replay with KP_FUZZ_SEED=${seed}`))
        const r = await runClientFuzz(target, { seed, sequences })
        if (verbose()) console.log(`client fuzz ${target.name}: ${r.sequences} sequences, call outcomes ${JSON.stringify(r.outcomes)}`)
        expect(
          {
            crashes: r.crashes,
            problems: r.problems,
            warnings: [...new Set(r.warnings.filter((w) => PEER_WARNINGS.test(w)).map((w) => w.split('\n')[0]!.replace(/\d+/g, 'N')))],
            sequences: r.sequences,
          },
          `crashes (a client process would have died), client-side problems, process warnings caused by a hostile server; ${replay(seed)}`,
        ).toEqual({ crashes: [], problems: [], warnings: [], sequences })
      },
      target.timeoutMs ?? 60_000,
    )
  })
}
