import type { Connector } from '../transport/transport.js'
import { FuzzRandom } from './fuzz-random.js'
import type { CaseVerdict, FuzzGroup, FuzzOutcome, FuzzTargetInfo, HostileCase } from './hostile-cases.js'
import { RawClient } from './raw-client.js'
import { RawLink } from './raw-link.js'

/** What one hostile sequence did and how it ended. */
export interface CaseRecord {
  name: string
  group: FuzzGroup
  expect: FuzzOutcome
  codes: readonly (string | null)[] | undefined
  /** First frame sent (up to 320 bytes): matches the server-side transport. */
  firstFrame: Uint8Array | null
  /** Frames sent. */
  frames: number
  /** Broken expectations seen from the attacker's side. */
  problems: string[]
}

/** Per-case totals of a campaign. */
export interface CaseTotals {
  runs: number
  frames: number
  /** Runs in which the server closed the connection (reliable transports). */
  closedByServer: number
  /** Runs whose probe CALL was answered. */
  probesAnswered: number
  problems: number
  /** Time spent in this case's runs, ms (lanes overlap: a share of the wall time). */
  ms: number
}

/** Options of {@link runHostileCampaign}. */
export interface HostileCampaignOptions {
  /** Opens one attacker connection. */
  connector: Connector
  target: FuzzTargetInfo
  /** The hostile sequences to draw from (by weight), or to run in turn with `roundRobin`. */
  cases: readonly HostileCase[]
  seed: number
  /** Stop after this many sequences... */
  sequences?: number
  /** ...or once this many frames were sent (whichever comes first). */
  frames?: number
  /** Stop starting new sequences after this long, ms. */
  deadlineMs?: number
  /** Sequences run at once. Default 8. */
  lanes?: number
  /** Run the cases in turn instead of drawing them by weight. */
  roundRobin?: boolean
  /** Weight of a case in the draw (default: its own `weight`); long runs favour frame-heavy cases. */
  weight?: (c: HostileCase) => number
  /** Keep a {@link CaseRecord} of every sequence (to match server-side transports). Default true. */
  keepRecords?: boolean
  /** Called every 1000 sequences. */
  onProgress?: (frames: number, sequences: number) => void
  /** Called after every sequence (cheap counters for a progress display). */
  onSequence?: (frames: number, sequences: number) => void
  /** Asked before each sequence; true stops the campaign. */
  stop?: () => boolean
}

/** What a campaign did. */
export interface HostileCampaignResult {
  seed: number
  sequences: number
  frames: number
  /** Frames the attacker's own transport refused (larger than its maxFrame...). */
  refused: number
  /** Connects that failed (the server was unreachable or refused at the transport level). */
  connectFailures: number
  records: CaseRecord[]
  totals: Map<string, CaseTotals>
  /** Every problem seen from the attacker's side, each naming its case and sequence number. */
  problems: string[]
  elapsedMs: number
}

const ANSWER_MS = 3_000
/** Datagrams, `either`: a session the server closed silently never answers; do not wait long. */
const EITHER_DATAGRAM_MS = 500

/**
 * Runs hostile sequences against a server through `connector`, `lanes` at a time, each on its
 * own connection, and judges each from the attacker's side: a sequence the server must close is
 * closed (reliable transports), one it must survive still answers a probe CALL. Deterministic in
 * what it sends for a given seed (timing aside). Every loop is bounded by `sequences`, `frames`
 * or `deadlineMs`.
 */
export async function runHostileCampaign(o: HostileCampaignOptions): Promise<HostileCampaignResult> {
  if (o.sequences === undefined && o.frames === undefined && o.deadlineMs === undefined) {
    throw new TypeError('"sequences", "frames" or "deadlineMs" expected: a campaign must end by itself')
  }
  const pool = o.cases
  if (pool.length === 0) throw new RangeError('"cases" expected at least one hostile case for this target')
  const master = new FuzzRandom(o.seed)
  const weighted = pool.map((c) => [o.weight ? o.weight(c) : c.weight, c] as const)
  const keep = o.keepRecords ?? true
  const result: HostileCampaignResult = {
    seed: o.seed,
    sequences: 0,
    frames: 0,
    refused: 0,
    connectFailures: 0,
    records: [],
    totals: new Map(),
    problems: [],
    elapsedMs: 0,
  }
  const started = Date.now()
  let issued = 0
  const more = () =>
    !o.stop?.() &&
    (o.sequences === undefined || issued < o.sequences) &&
    (o.frames === undefined || result.frames < o.frames) &&
    (o.deadlineMs === undefined || Date.now() - started < o.deadlineMs)

  const lane = async () => {
    while (more()) {
      const n = issued++
      // each sequence gets its own generator: a sequence replays alone from (seed, n)
      const rng = new FuzzRandom((o.seed ^ Math.imul(n + 1, 0x9e3779b1)) >>> 0)
      const hc = o.roundRobin ? pool[n % pool.length]! : master.weighted(weighted)
      const rec = await runCase(hc, o.connector, o.target, rng, n, result)
      result.sequences++
      result.frames += rec.frames
      if (keep) result.records.push(rec)
      for (const p of rec.problems) if (result.problems.length < 200) result.problems.push(p)
      o.onSequence?.(result.frames, result.sequences)
      if (o.onProgress && result.sequences % 1000 === 0) o.onProgress(result.frames, result.sequences)
    }
  }
  await Promise.all(Array.from({ length: o.lanes ?? 8 }, lane))
  result.elapsedMs = Date.now() - started
  return result
}

async function runCase(
  hc: HostileCase,
  connector: Connector,
  target: FuzzTargetInfo,
  rng: FuzzRandom,
  n: number,
  result: HostileCampaignResult,
): Promise<CaseRecord> {
  const rec: CaseRecord = { name: hc.name, group: hc.group, expect: 'either', codes: undefined, firstFrame: null, frames: 0, problems: [] }
  let totals = result.totals.get(hc.name)
  if (!totals) result.totals.set(hc.name, (totals = { runs: 0, frames: 0, closedByServer: 0, probesAnswered: 0, problems: 0, ms: 0 }))
  totals.runs++
  const t0 = Date.now()
  let link: RawLink
  try {
    link = new RawLink(await connector())
  } catch {
    result.connectFailures++
    return rec
  }
  let client: RawClient | null = null
  const ctx = {
    link,
    rng,
    target,
    client: () => (client ??= new RawClient(link, { rng, serverId: target.serverId, arq: target.arq })),
  }
  const problem = (text: string) => rec.problems.push(`#${n} ${hc.name}: ${text}`)
  let verdict: CaseVerdict
  try {
    verdict = await hc.run(ctx)
  } catch (e) {
    problem(`the sequence itself failed: ${(e as Error)?.stack ?? e}`)
    verdict = { expect: 'either', noProbe: true }
  }
  rec.expect = verdict.expect
  rec.codes = verdict.codes
  if (verdict.problem) problem(verdict.problem)
  const c = client as RawClient | null
  let alive = false
  if (verdict.expect === 'close') {
    if (link.reliable && !(await link.waitClosed(ANSWER_MS + target.limits.handshakeTimeoutMs))) {
      problem(
        `the server kept the connection open (expected it to close${verdict.codes ? ` with ${verdict.codes.map((x) => x ?? 'a clean close').join(' or ')}` : ''})`,
      )
    }
  } else if (!verdict.noProbe && c?.sealer) {
    // a client that sent FINISH without waiting must see READY before it may send (datagrams)
    if (!c.ready)
      await c.until(() => c.ready !== null || c.closeReason !== null, verdict.expect === 'either' && !link.reliable ? EITHER_DATAGRAM_MS : ANSWER_MS)
    const wait = verdict.expect === 'either' && !link.reliable ? EITHER_DATAGRAM_MS : ANSWER_MS
    const answer = c.ready ? await c.probe(wait) : link.closed ? 'closed' : 'no-answer'
    alive = answer === 'answered'
    if (alive) totals.probesAnswered++
    if (verdict.expect === 'survive' && !alive)
      problem(`the session did not survive (probe: ${answer}${c.closeReason !== null ? `, CLOSE "${c.closeReason}"` : ''})`)
    if (verdict.expect === 'either' && answer === 'no-answer' && link.reliable && !link.closed) {
      problem('the server neither answered a probe CALL nor closed the connection')
    }
  }
  if (link.closedByPeer) totals.closedByServer++
  rec.firstFrame = link.firstFrame
  if (c) c.end(!verdict.abandon && !link.reliable && alive)
  else link.close()
  rec.frames = link.sent
  result.refused += link.refused
  totals.frames += link.sent
  totals.problems += rec.problems.length
  totals.ms += Date.now() - t0
  return rec
}
