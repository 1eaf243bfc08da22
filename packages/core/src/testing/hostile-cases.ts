import type { PublicKey } from '@kp/crypto'
import { encodeArqPayload } from '../arq/codec.js'
import { Defaults, FrameType, RECORD_OVERHEAD } from '../protocol/constants.js'
import { writeCall, writeCancel, writeError, writePing, writePush, writeReady, writeResult } from '../protocol/messages.js'
import type { FuzzLimits } from './fuzz-api.js'
import type { FuzzRandom } from './fuzz-random.js'
import {
  cookieFrame,
  finishWithPayload,
  forgedFinish,
  forgedWelcome,
  frameOfType,
  helloBadCookie,
  helloLowOrderKey,
  helloNonMinimalVersion,
  helloNonZeroPadding,
  helloWithVersion,
  hostileFinishPayload,
  oversizedHello,
  randomFrame,
  rejectFrame,
  truncatedHello,
  validHello,
} from './hostile-frames.js'
import { argsFor, echoArgs, hugeClose, nonMinimalCall, pingFlood, plaintext, randomMessage, truncatedMessage, unknownKindMessage } from './hostile-messages.js'
import { RawClient } from './raw-client.js'
import type { RawLink } from './raw-link.js'

/** What a hostile sequence is aimed at. */
export interface FuzzTargetInfo {
  /** The transport is ordered and lossless (TCP, WebSocket). */
  reliable: boolean
  /** Datagram transport in reliable datagram mode (raw clients ask for it in FINISH). */
  arq: boolean
  /** `maxFrame` of the attacker's transport. */
  maxFrame: number
  /** The server's limits. */
  limits: FuzzLimits
  /** The server's key (raw clients pin it). */
  serverId: PublicKey
}

/**
 * What the server must do with the connection after a hostile sequence:
 * `close` it (reliable transports: the attacker sees the close; every transport: the server-side
 * transport closes with a named error), keep it working (`survive`: a probe CALL is answered),
 * or `either` of the two.
 */
export type FuzzOutcome = 'close' | 'survive' | 'either'

/** The result of one hostile sequence, as the sequence itself judges it. */
export interface CaseVerdict {
  expect: FuzzOutcome
  /**
   * For `close`: the codes the server-side transport may report (`null`: a clean close); absent:
   * any named library error (a `KiloError` with a code), or a clean close.
   */
  codes?: readonly (string | null)[]
  /** A broken promise the sequence found itself (e.g. kp.Busy missing), or undefined. */
  problem?: string
  /** No probe afterwards (the session may be alive but unusable by design). */
  noProbe?: boolean
  /** Leave without CLOSE: the server's timeouts must clean up. */
  abandon?: boolean
}

/** Groups of hostile sequences (one test each in the fuzz suite). */
export type FuzzGroup = 'handshake' | 'behind-finish' | 'duplicate-ids' | 'unknown-ids' | 'malformed' | 'limits' | 'flood' | 'counters' | 'arq'

/** What a hostile sequence gets to work with. */
export interface CaseContext {
  link: RawLink
  rng: FuzzRandom
  target: FuzzTargetInfo
  /** A raw client on the link (made once, on first use). */
  client(): RawClient
}

/** One kind of hostile sequence. */
export interface HostileCase {
  /** Names the hostile input (and, for known findings, the finding). */
  name: string
  group: FuzzGroup
  /** Relative frequency in a mixed run. */
  weight: number
  /** Whether it applies to a target (default: all). */
  applies?(t: FuzzTargetInfo): boolean
  run(ctx: CaseContext): Promise<CaseVerdict>
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
const PROTOCOL = ['kp.Protocol'] as const
const reliableOnly = (t: FuzzTargetInfo) => t.reliable
const datagramOnly = (t: FuzzTargetInfo) => !t.reliable
const arqOnly = (t: FuzzTargetInfo) => !t.reliable && t.arq
/** Waiting for answers (probe, kp.Busy...) on a loaded machine. */
const ANSWER_MS = 3_000
/** After READY, the server's onConnected hook (3 ms) has surely finished by then, even on a loaded machine. */
const HOOKS_DONE_MS = 100

/** A sequence that stops before or inside the handshake. */
function pre(
  name: string,
  weight: number,
  run: (ctx: CaseContext) => Promise<CaseVerdict> | CaseVerdict,
  applies?: (t: FuzzTargetInfo) => boolean,
): HostileCase {
  return { name, group: 'handshake', weight, run: async (ctx) => run(ctx), ...(applies ? { applies } : {}) }
}

/** Sends `frames` and expects the server to close (reliable) or drop them (datagrams). */
function sendAll(ctx: CaseContext, frames: Uint8Array[]): void {
  for (const f of frames) ctx.link.send(f)
}

/**
 * A sequence inside an established session: the raw client completes the handshake (sending
 * `early` plaintexts right behind FINISH when given), then `run` misbehaves.
 */
function session(
  name: string,
  group: FuzzGroup,
  weight: number,
  run: (c: RawClient, ctx: CaseContext) => Promise<CaseVerdict> | CaseVerdict,
  o: { applies?: (t: FuzzTargetInfo) => boolean; early?: (ctx: CaseContext) => Uint8Array[]; waitReady?: boolean } = {},
): HostileCase {
  return {
    name,
    group,
    weight,
    ...(o.applies ? { applies: o.applies } : {}),
    run: async (ctx) => {
      const c = ctx.client()
      const early = o.early?.(ctx)
      const outcome = await c.handshake({
        timeoutMs: ctx.target.limits.handshakeTimeoutMs + 2_000,
        ...(early ? { early } : {}),
        waitReady: o.waitReady ?? true,
      })
      if (outcome !== 'ready' && outcome !== 'finished') {
        // Not the hostile part: a loaded server may refuse (busy) or a datagram handshake may time
        // out. The good client's failures and the server-side checks catch a broken server.
        return { expect: 'either', noProbe: true }
      }
      if (early && c.arq) {
        // reliable datagram mode: the server drops what arrives before it finished the handshake,
        // the ARQ engine sends it again after READY; let that happen before judging
        await c.until(() => c.ready !== null || c.closeReason !== null, ctx.target.limits.handshakeTimeoutMs + 1_000)
        await c.until(() => c.arq!.queued === 0 && c.arq!.inFlight === 0, 1_500)
      }
      return run(c, ctx)
    },
  }
}

/** Sends each plaintext as its own record. */
function sendEach(c: RawClient, ps: Uint8Array[]): void {
  for (const p of ps) c.send(p)
}

/** `n` CALLs with the same id in one plaintext; the first is async so it is still in flight. */
function sameIdCalls(ctx: CaseContext, id: number, n: number): Uint8Array {
  const rng = ctx.rng
  return plaintext((w) => {
    for (let i = 0; i < n; i++) {
      const name = i === 0 ? rng.pick(['hang', 'slow']) : rng.pick(['hang', 'slow', 'echo', 'missing'])
      writeCall(w, id, name, argsFor(rng, name))
    }
  })
}

/** Largest plaintext the attacker can seal into one frame (or one ARQ message). */
function maxPlaintext(t: FuzzTargetInfo): number {
  const frame = t.maxFrame - RECORD_OVERHEAD
  return t.arq && !t.reliable ? Math.min(255 * (Defaults.arqDatagram - 64), 200_000) : Math.min(frame, 200_000)
}

// ------------------------------------------------------------------ before and inside the handshake

const handshakeCases: HostileCase[] = [
  pre('random bytes before HELLO', 6, ({ link, rng }) => {
    const n = rng.range(1, 4)
    for (let i = 0; i < n; i++) link.send(randomFrame(rng, 600))
    return { expect: 'close' }
  }),
  pre(
    'garbage datagrams from an address with no session (never a HELLO)',
    1,
    (ctx) => {
      for (let n = ctx.rng.range(10, 200); n > 0; n--) {
        const f = randomFrame(ctx.rng, 1_200)
        if (f[0] === FrameType.Hello) f[0] = 0
        ctx.link.send(f)
      }
      return { expect: 'close' }
    },
    datagramOnly,
  ),
  pre('truncated HELLO (1..255 bytes)', 3, (ctx) => {
    sendAll(ctx, [truncatedHello(ctx.rng)])
    return { expect: 'close' }
  }),
  pre('oversized HELLO (257..512 bytes, random tail)', 2, (ctx) => {
    sendAll(ctx, [oversizedHello(ctx.rng, Defaults.handshakeFrameMax, false)])
    return { expect: 'close' }
  }),
  pre('HELLO above the handshake frame limit (513..64 KiB)', 2, (ctx) => {
    const max = Math.min(ctx.target.maxFrame, 65_000)
    sendAll(ctx, [oversizedHello(ctx.rng, ctx.rng.chance(0.5) ? Defaults.handshakeFrameMax + 200 : max, false).subarray(0, max)])
    return { expect: 'close' }
  }),
  pre('zero-padded HELLO (longer than 256 bytes)', 2, (ctx) => {
    sendAll(ctx, [oversizedHello(ctx.rng, Defaults.handshakeFrameMax, true)])
    return { expect: 'close' }
  }),
  pre('HELLO with an unsupported version', 3, (ctx) => {
    const v = ctx.rng.pick<number | bigint>([0, 2, 3, 63, 64, 1000, 2 ** 32, Number.MAX_SAFE_INTEGER, 2n ** 64n - 1n])
    sendAll(ctx, [helloWithVersion(ctx.rng, v)])
    return { expect: 'close' }
  }),
  pre('HELLO with version 1 as a non-minimal smartint', 1, async (ctx) => {
    sendAll(ctx, [helloNonMinimalVersion(ctx.rng)])
    await ctx.link.next(300)
    return { expect: 'either', noProbe: true }
  }),
  pre('HELLO with non-zero padding', 2, (ctx) => {
    sendAll(ctx, [helloNonZeroPadding(ctx.rng)])
    return { expect: 'close' }
  }),
  pre('HELLO with a cookie that is too long or runs past the frame', 2, (ctx) => {
    sendAll(ctx, [helloBadCookie(ctx.rng)])
    return { expect: 'close' }
  }),
  pre('HELLO with a small-order X25519 key', 2, (ctx) => {
    sendAll(ctx, [helloLowOrderKey(ctx.rng)])
    return { expect: 'close' }
  }),
  pre('FINISH, RECORD, ARQ, WELCOME, REJECT, COOKIE or an unknown type before HELLO', 4, (ctx) => {
    const n = ctx.rng.range(1, 3)
    for (let i = 0; i < n; i++) ctx.link.send(frameOfType(ctx.rng, ctx.rng.pick([0, 2, 3, 4, 5, 6, 7, 8, 9, 64, 255]), 300))
    return { expect: 'close' }
  }),
  pre('the same HELLO twice', 2, (ctx) => {
    const h = validHello(ctx.rng)
    sendAll(ctx, [h, h])
    return { expect: 'close' }
  }),
  pre('two different HELLOs on one connection', 2, (ctx) => {
    sendAll(ctx, [validHello(ctx.rng), validHello(ctx.rng)])
    return { expect: 'close' }
  }),
  pre('forged FINISH before HELLO, then HELLO (reordered)', 2, (ctx) => {
    sendAll(ctx, [forgedFinish(ctx.rng), validHello(ctx.rng)])
    return { expect: 'close' }
  }),
  pre('forged WELCOME from the client', 2, (ctx) => {
    const frames = ctx.rng.chance(0.5) ? [validHello(ctx.rng), forgedWelcome(ctx.rng)] : [forgedWelcome(ctx.rng)]
    sendAll(ctx, frames)
    return { expect: 'close' }
  }),
  pre('REJECT or COOKIE from the client after HELLO', 2, (ctx) => {
    sendAll(ctx, [validHello(ctx.rng), ctx.rng.chance(0.5) ? rejectFrame(ctx.rng) : cookieFrame(ctx.rng)])
    return { expect: 'close' }
  }),
  pre('HELLO, then silence until the handshake timeout (half-open)', 1, async (ctx) => {
    sendAll(ctx, [validHello(ctx.rng)])
    if (ctx.link.reliable) await ctx.link.waitClosed(ctx.target.limits.handshakeTimeoutMs + 2_000)
    return { expect: 'close', codes: ['kp.Handshake'] }
  }),
  pre('forged FINISH after a real WELCOME', 3, async (ctx) => {
    const c = ctx.client()
    await c.handshake({ timeoutMs: ctx.target.limits.handshakeTimeoutMs + 2_000, finish: () => forgedFinish(ctx.rng), waitReady: false })
    return { expect: 'close' }
  }),
  pre('FINISH with a hostile payload sealed with the real handshake key (flags, lengths, client signature)', 3, async (ctx) => {
    const c = ctx.client()
    await c.handshake({
      timeoutMs: ctx.target.limits.handshakeTimeoutMs + 2_000,
      finish: (welcome) => finishWithPayload(c.hello, welcome, c.ephemeralSecret, hostileFinishPayload(ctx.rng)),
      waitReady: false,
    })
    return { expect: 'close', codes: ['kp.Handshake'] }
  }),
  {
    name: 'FINISH asking for reliable datagram mode on a reliable transport',
    group: 'handshake',
    weight: 1,
    applies: reliableOnly,
    run: async (ctx) => {
      const c = new RawClient(ctx.link, { rng: ctx.rng, serverId: ctx.target.serverId, requestReliable: true })
      await c.handshake({ timeoutMs: ctx.target.limits.handshakeTimeoutMs + 2_000, waitReady: false })
      return { expect: 'close', codes: ['kp.Handshake'] }
    },
  },
  session(
    'FINISH twice',
    'handshake',
    2,
    (c, ctx) => {
      c.link.send(c.finish!)
      // reliable: ignored while authorizing, a protocol error after READY; datagrams: READY again
      return { expect: ctx.link.reliable ? 'either' : 'survive' }
    },
    { waitReady: false },
  ),
  session('HELLO again inside an established session', 'handshake', 1, (c, ctx) => {
    c.link.send(validHello(ctx.rng))
    return ctx.link.reliable ? { expect: 'close', codes: PROTOCOL } : { expect: 'survive' }
  }),
]

// ------------------------------------------------------------------ calls right behind FINISH

const behindFinishCases: HostileCase[] = [
  session(
    'finding: two CALLs with the same id right behind FINISH (before READY), one record',
    'behind-finish',
    6,
    (_c, ctx) => ({ expect: ctx.link.reliable || ctx.target.arq ? 'close' : 'either', codes: PROTOCOL }),
    { early: (ctx) => [sameIdCalls(ctx, ctx.rng.int(64), ctx.rng.range(2, 4))], waitReady: false },
  ),
  session(
    'finding: two CALLs with the same id right behind FINISH (before READY), two records',
    'behind-finish',
    6,
    (_c, ctx) => ({ expect: ctx.link.reliable || ctx.target.arq ? 'close' : 'either', codes: PROTOCOL }),
    {
      early: (ctx) => {
        const id = ctx.rng.int(64)
        return [sameIdCalls(ctx, id, 1), sameIdCalls(ctx, id, 1)]
      },
      waitReady: false,
    },
  ),
  session(
    'calls, pushes and pings right behind FINISH (before READY)',
    'behind-finish',
    3,
    (_c, ctx) => ({ expect: ctx.link.reliable ? 'survive' : 'either' }),
    {
      early: (ctx) => {
        const rng = ctx.rng
        let id = 1
        const out: Uint8Array[] = []
        for (let r = rng.range(1, 3); r > 0; r--) {
          out.push(
            plaintext((w) => {
              for (let i = rng.range(1, 6); i > 0; i--) {
                const k = rng.int(3)
                if (k === 0) writeCall(w, id++, 'echo', echoArgs('early'))
                else if (k === 1) writePush(w, 'note', echoArgs('early'))
                else writePing(w)
              }
            }),
          )
        }
        return out
      },
      waitReady: false,
    },
  ),
  session(
    'finding: more calls right behind FINISH than maxInFlight get kp.Busy, not a closed session',
    'behind-finish',
    2,
    async (c, ctx) => {
      const extra = c.earlyExtra
      if (!ctx.link.reliable && !ctx.target.arq) return { expect: 'either' } // datagrams drop records before READY
      const ok = await c.until(() => busyCount(c) >= extra, ANSWER_MS)
      c.send(
        plaintext((w) => {
          for (let i = 1; i <= ctx.target.limits.maxInFlight + extra; i++) writeCancel(w, i)
        }),
      )
      return {
        expect: 'survive',
        ...(ok
          ? {}
          : {
              problem: `${busyCount(c)} kp.Busy answers for ${extra} early calls past maxInFlight${c.link.closed ? ' (the server closed the connection)' : ''}`,
            }),
      }
    },
    {
      early: (ctx) => {
        const extra = ctx.rng.range(1, 40)
        ctx.client().earlyExtra = extra
        const n = ctx.target.limits.maxInFlight + extra
        return [
          plaintext((w) => {
            for (let i = 0; i < n; i++) writeCall(w, i + 1, 'hang', new Uint8Array(0))
          }),
        ]
      },
      waitReady: false,
    },
  ),
  session(
    'finding: more pushes right behind FINISH than maxInFlight (PUSH has no in-flight limit): the session survives',
    'behind-finish',
    2,
    (_c, ctx) => ({ expect: ctx.link.reliable || ctx.target.arq ? 'survive' : 'either' }),
    {
      early: (ctx) => {
        const n = ctx.target.limits.maxInFlight + ctx.rng.range(1, 40)
        return [
          plaintext((w) => {
            for (let i = 0; i < n; i++) writePush(w, 'note', echoArgs('early'))
          }),
        ]
      },
      waitReady: false,
    },
  ),
]

// ------------------------------------------------------------------ duplicate ids after READY

const duplicateIdCases: HostileCase[] = [
  session('duplicate call ids in one record (after READY)', 'duplicate-ids', 4, async (c, ctx) => {
    await delay(HOOKS_DONE_MS) // onConnected has finished: the path without held calls
    c.send(sameIdCalls(ctx, ctx.rng.int(1000), ctx.rng.range(2, 5)))
    return { expect: 'close', codes: PROTOCOL }
  }),
  session('duplicate call ids across records (after READY)', 'duplicate-ids', 4, async (c, ctx) => {
    await delay(HOOKS_DONE_MS)
    const id = ctx.rng.int(1000)
    // the first call must still run when the second record arrives: a 'slow' one may have finished
    // (its id is then free again, and reusing it is allowed), so it is one that never finishes
    sendEach(c, [plaintext((w) => writeCall(w, id, 'hang', argsFor(ctx.rng, 'hang'))), sameIdCalls(ctx, id, 1)])
    return { expect: 'close', codes: PROTOCOL }
  }),
  session('a call id reused after its call finished (allowed)', 'duplicate-ids', 1, async (c) => {
    c.send(plaintext((w) => writeCall(w, 7, 'echo', echoArgs('a'))))
    await c.until(() => c.results.has(7), ANSWER_MS)
    c.results.delete(7)
    c.send(plaintext((w) => writeCall(w, 7, 'echo', echoArgs('b'))))
    const ok = await c.until(() => c.results.has(7), ANSWER_MS)
    return { expect: 'survive', ...(ok ? {} : { problem: 'a finished call id used again got no answer' }) }
  }),
]

// ------------------------------------------------------------------ unknown ids

const unknownIdCases: HostileCase[] = [
  session('RESULT, ERROR and CANCEL for ids the server never used', 'unknown-ids', 4, (c, ctx) => {
    const rng = ctx.rng
    c.send(
      plaintext((w) => {
        for (let i = rng.range(1, 30); i > 0; i--) {
          const id = rng.chance(0.1) ? rng.pick([0, 2 ** 32, Number.MAX_SAFE_INTEGER]) : rng.int(100_000)
          const k = rng.int(3)
          if (k === 0) writeResult(w, id, rng.bytes(rng.int(40)))
          else if (k === 1) writeError(w, id, rng.pick(['kp.Busy', 'kp.Internal', 'fuzz.Refused', 'x']), 'hostile', rng.bytes(rng.int(20)))
          else writeCancel(w, id)
        }
      }),
    )
    return { expect: 'either' }
  }),
  session('RESULT for a call the server made, sent twice, with a value that does not decode, or never', 'unknown-ids', 3, async (c, ctx) => {
    const rng = ctx.rng
    c.send(plaintext((w) => writeCall(w, 5, 'callBack', echoArgs('back'))))
    const got = await c.until(() => c.calls.length > 0, ANSWER_MS)
    if (!got) return { expect: 'either' }
    const call = c.calls[0]!
    const mode = rng.int(4)
    if (mode === 0) sendEach(c, [plaintext((w) => writeResult(w, call.id, echoArgs('x'))), plaintext((w) => writeResult(w, call.id, echoArgs('y')))])
    else if (mode === 1) c.send(plaintext((w) => writeResult(w, call.id, Uint8Array.of(0xff, 0xff, 0xff))))
    else if (mode === 2)
      c.send(
        plaintext((w) => writeError(w, call.id, rng.pick(['fuzz.Refused', 'app.Unknown', 'kp.Internal']), 'm'.repeat(rng.int(3000)), rng.bytes(rng.int(30)))),
      )
    // mode 3: never answer; the handler's own timeout ends it
    return { expect: 'survive' }
  }),
]

// ------------------------------------------------------------------ malformed plaintexts

const malformedCases: HostileCase[] = [
  session('READY from the client', 'malformed', 2, (c, ctx) => {
    c.send(plaintext((w) => writeReady(w, { maxMessage: ctx.rng.int(1 << 20), pingIntervalMs: 1, idleTimeoutMs: 2 ** 40 })))
    return { expect: 'close', codes: PROTOCOL }
  }),
  session('empty record plaintext', 'malformed', 2, (c, ctx) => {
    c.send(new Uint8Array(0))
    return ctx.target.arq && !ctx.link.reliable ? { expect: 'either' } : { expect: 'close', codes: PROTOCOL }
  }),
  session('unknown and reserved message kinds', 'malformed', 3, (c, ctx) => {
    c.send(unknownKindMessage(ctx.rng))
    return { expect: 'close', codes: PROTOCOL }
  }),
  session('truncated messages (a message that ends early)', 'malformed', 4, (c, ctx) => {
    const prefix = ctx.rng.chance(0.5) ? plaintext(writePing) : new Uint8Array(0)
    const t = truncatedMessage(ctx.rng)
    const p = new Uint8Array(prefix.length + t.length)
    p.set(prefix)
    p.set(t, prefix.length)
    c.send(p)
    return { expect: 'close', codes: PROTOCOL }
  }),
  session('non-minimal smartints in a CALL (kind, id, lengths)', 'malformed', 2, async (c, ctx) => {
    c.send(nonMinimalCall(ctx.rng, 3, 'nm'))
    return { expect: 'either' }
  }),
  session('call ids at and past 2^53', 'malformed', 1, (c, ctx) => {
    if (ctx.rng.chance(0.5)) {
      c.send(plaintext((w) => writeCall(w, Number.MAX_SAFE_INTEGER, 'echo', echoArgs('max'))))
      return { expect: 'survive' }
    }
    c.send(
      plaintext((w) =>
        w
          .unsigned(1)
          .unsigned(2n ** 60n)
          .string('echo')
          .bytes(echoArgs('big')),
      ),
    )
    return { expect: 'close', codes: PROTOCOL }
  }),
  session('random well-formed messages', 'malformed', 4, (c, ctx) => {
    const rng = ctx.rng
    for (let r = rng.range(1, 4); r > 0; r--) {
      c.send(
        plaintext((w) => {
          for (let i = rng.range(1, 12); i > 0; i--) randomMessage(rng, w)
        }),
      )
    }
    return { expect: 'either' }
  }),
  session('random bytes as a record plaintext', 'malformed', 3, (c, ctx) => {
    c.send(ctx.rng.bytes(ctx.rng.range(1, 300)))
    return { expect: 'either' }
  }),
  session('calls to unknown commands and with arguments that do not decode', 'malformed', 3, async (c, ctx) => {
    const rng = ctx.rng
    const n = rng.range(1, Math.min(8, ctx.target.limits.maxInFlight))
    const want = new Map<number, string>()
    c.send(
      plaintext((w) => {
        for (let i = 0; i < n; i++) {
          const id = 100 + i
          if (rng.chance(0.5)) {
            writeCall(w, id, rng.pick(['missing', '', 'x'.repeat(300), 'é']), rng.bytes(rng.int(8)))
            want.set(id, 'kp.UnknownCommand')
          } else {
            // `slow` takes an int: a lone continuation byte or an empty args field does not decode
            writeCall(w, id, 'slow', rng.chance(0.5) ? new Uint8Array(0) : Uint8Array.of(0xff))
            want.set(id, 'kp.BadArguments')
          }
        }
      }),
    )
    const ok = await c.until(() => [...want.keys()].every((id) => c.errors.has(id)), ANSWER_MS)
    if (!ok) return { expect: 'survive', problem: `${[...want.keys()].filter((id) => !c.errors.has(id)).length} of ${n} bad calls got no ERROR` }
    const wrong = [...want].filter(([id, code]) => c.errors.get(id)!.code !== code)
    return {
      expect: 'survive',
      ...(wrong.length ? { problem: `wrong error codes: ${wrong.map(([id, code]) => `${c.errors.get(id)!.code} instead of ${code}`).join(', ')}` } : {}),
    }
  }),
  session('CANCEL twice and CANCEL of finished calls', 'malformed', 2, async (c) => {
    sendEach(c, [
      plaintext((w) => writeCall(w, 11, 'hang', new Uint8Array(0))),
      plaintext((w) => writeCancel(w, 11)),
      plaintext((w) => {
        writeCancel(w, 11)
        writeCall(w, 12, 'echo', echoArgs('c'))
        writeCancel(w, 12)
        writeCancel(w, 12)
      }),
    ])
    return { expect: 'survive' }
  }),
  session('records after CLOSE', 'malformed', 2, (c, ctx) => {
    sendEach(c, [plaintext((w) => w.unsigned(8).string('bye')), plaintext((w) => writeCall(w, 1, 'echo', echoArgs('after'))), ctx.rng.bytes(20)])
    return { expect: 'close', codes: [null, 'kp.Protocol'] }
  }),
  session('frames of other types inside the session', 'malformed', 3, (c, ctx) => {
    const type = ctx.rng.pick(ctx.link.reliable ? [0, 1, 2, 3, 5, 6, 7, 8, 255] : [0, 2, 3, 5, 6, 8, 255])
    c.link.send(frameOfType(ctx.rng, type, 400))
    return ctx.link.reliable ? { expect: 'close', codes: PROTOCOL } : { expect: 'survive' }
  }),
]

// ------------------------------------------------------------------ limits

/** Sends maxInFlight + 1..40 `hang` calls in 1..3 records: the extras must get ERROR kp.Busy. */
async function pastMaxInFlight(c: RawClient, ctx: CaseContext): Promise<CaseVerdict> {
  const max = ctx.target.limits.maxInFlight
  const extra = ctx.rng.range(1, 40)
  const n = max + extra
  const records = ctx.rng.range(1, 3)
  let id = 1
  for (let r = 0; r < records; r++) {
    const count = r === records - 1 ? n - (id - 1) : Math.floor(n / records)
    c.send(
      plaintext((w) => {
        for (let i = 0; i < count; i++) writeCall(w, id++, 'hang', new Uint8Array(0))
      }),
    )
  }
  const ok = await c.until(() => busyCount(c) >= extra, ANSWER_MS)
  c.send(
    plaintext((w) => {
      for (let i = 1; i < id; i++) writeCancel(w, i)
    }),
  )
  return {
    expect: 'survive',
    ...(ok
      ? {}
      : { problem: `${busyCount(c)} kp.Busy answers for ${extra} calls past maxInFlight ${max}${c.link.closed ? ' (the server closed the connection)' : ''}` }),
  }
}

const busyCount = (c: RawClient) => {
  let n = 0
  for (const e of c.errors.values()) if (e.code === 'kp.Busy') n++
  return n
}

const limitCases: HostileCase[] = [
  session('calls past maxInFlight get kp.Busy (after onConnected finished)', 'limits', 3, async (c, ctx) => {
    await delay(HOOKS_DONE_MS)
    return pastMaxInFlight(c, ctx)
  }),
  session('messages past the announced maxMessage', 'limits', 2, (c, ctx) => {
    const announced = c.ready?.maxMessage ?? ctx.target.limits.maxMessage
    const cap = maxPlaintext(ctx.target) - 64
    if (announced >= cap) return { expect: 'either' }
    const size = ctx.rng.range(announced + 1, Math.min(cap, announced * 4))
    const name = ctx.rng.pick(['echoBytes', 'note', 'missing'])
    c.send(plaintext((w) => (name === 'note' ? writePush(w, name, new Uint8Array(size)) : writeCall(w, 1, name, new Uint8Array(size)))))
    return { expect: 'either' }
  }),
  session('pushes past every limit (count, size, unknown commands, bad arguments)', 'limits', 2, async (c, ctx) => {
    await delay(HOOKS_DONE_MS) // pushes held while onConnected runs are the behind-finish group's
    const rng = ctx.rng
    const cap = Math.min(maxPlaintext(ctx.target) - 64, 60_000)
    for (let r = rng.range(1, 4); r > 0; r--) {
      c.send(
        plaintext((w) => {
          let room = cap
          for (let i = rng.range(1, 2000); i > 0 && room > 300; i--) {
            const name = rng.pick(['note', 'note', 'missing', 'slow', 'hang'])
            const args = rng.chance(0.05) ? rng.bytes(Math.min(room - 100, rng.int(20_000))) : argsFor(rng, name)
            writePush(w, name, args)
            room -= args.length + 12
          }
        }),
      )
    }
    // pushes to handlers that do not finish wait in the backlog (4 x maxInFlight, backlogBytes);
    // a peer that pushes past it is closed with a protocol error: no answer can refuse a push
    return { expect: 'either', codes: PROTOCOL }
  }),
  session('CLOSE with a huge reason', 'limits', 2, (c, ctx) => {
    const len = ctx.rng.range(1_000, Math.min(maxPlaintext(ctx.target) - 64, 60_000))
    const bad = ctx.rng.chance(0.3)
    c.send(hugeClose(ctx.rng, len, bad))
    return { expect: 'close', codes: [null, 'kp.Protocol'] }
  }),
]

// ------------------------------------------------------------------ floods

const floodCases: HostileCase[] = [
  session('PING flood in one record', 'flood', 3, (c, ctx) => {
    c.send(pingFlood(ctx.rng.range(100, Math.min(5_000, maxPlaintext(ctx.target) - 64))))
    return { expect: 'survive' }
  }),
  session('PING flood across records', 'flood', 3, (c, ctx) => {
    const ping = plaintext(writePing)
    for (let n = ctx.rng.range(20, 200); n > 0; n--) c.send(ping)
    return { expect: 'survive' }
  }),
  session('calls that finish at once, many per record', 'flood', 2, async (c, ctx) => {
    await delay(HOOKS_DONE_MS) // calls held while onConnected runs are the behind-finish group's
    const rng = ctx.rng
    let id = 1
    for (let r = rng.range(5, 40); r > 0; r--) {
      c.send(
        plaintext((w) => {
          for (let i = Math.min(ctx.target.limits.maxInFlight, rng.range(1, 16)); i > 0; i--) writeCall(w, id++, 'echo', echoArgs('f'))
        }),
      )
      if (!ctx.link.reliable) await delay(0)
    }
    return { expect: ctx.link.reliable ? 'survive' : 'either' }
  }),
]

// ------------------------------------------------------------------ counters and tags

const counterCases: HostileCase[] = [
  session('replayed record counter', 'counters', 3, (c, ctx) => {
    c.send(plaintext(writePing))
    if (c.lastRecord) c.link.send(c.lastRecord)
    return ctx.link.reliable ? { expect: 'close', codes: PROTOCOL } : { expect: 'survive' }
  }),
  session('skipped record counter', 'counters', 2, (c, ctx) => {
    if (c.arq) c.sendArqPayload(ctx.rng.bytes(4)) // (its counter is used, the payload is garbage)
    for (let n = ctx.rng.range(1, 5); n > 0; n--) c.sealer!.seal(plaintext(writePing)) // counters never sent
    if (!c.arq) c.send(plaintext(writePing))
    return ctx.link.reliable ? { expect: 'close', codes: PROTOCOL } : { expect: 'survive' }
  }),
  session('record with a bad tag or ciphertext', 'counters', 3, (c, ctx) => {
    const frame = c.sealAt(
      c.sealer!.next,
      plaintext((w) => writeCall(w, 1, 'echo', echoArgs('t'))),
      c.arq ? FrameType.Arq : FrameType.Record,
    )
    const i = ctx.rng.range(2, frame.length - 1)
    frame[i]! ^= 1 << ctx.rng.int(8)
    c.link.send(frame)
    c.sealer!.seal(new Uint8Array(1)) // that counter is spent either way
    return ctx.link.reliable ? { expect: 'close', codes: PROTOCOL } : { expect: 'survive' }
  }),
  session('record counter far in the future', 'counters', 1, (c, ctx) => {
    const counter = ctx.rng.pick([2 ** 20, 2 ** 32, Number.MAX_SAFE_INTEGER - 1])
    c.link.send(c.sealAt(counter, plaintext(writePing), c.arq ? FrameType.Arq : FrameType.Record))
    // datagrams: the window moves there and our own later counters are too old: the session
    // is useless to us, and the server's idle timeout ends it
    return ctx.link.reliable ? { expect: 'close', codes: PROTOCOL } : { expect: 'either', noProbe: true, abandon: true }
  }),
  session('record header that does not parse', 'counters', 2, (c, ctx) => {
    const f = ctx.rng.chance(0.5) ? Uint8Array.of(FrameType.Record) : Uint8Array.of(FrameType.Record, 0xff, 0xff, 0xff, ...new Array<number>(12).fill(0xff))
    c.link.send(f)
    return ctx.link.reliable ? { expect: 'close', codes: PROTOCOL } : { expect: 'survive' }
  }),
  session(
    'forged records flooding a live datagram session (bad tags, never fatal)',
    'counters',
    1,
    (c, ctx) => {
      const rng = ctx.rng
      const type = c.arq ? FrameType.Arq : FrameType.Record
      for (let n = rng.range(50, 500); n > 0; n--) {
        const frame = c.sealAt(c.sealer!.next + rng.int(2000), rng.bytes(rng.range(1, 100)), type)
        frame[frame.length - 1]! ^= 1
        c.link.send(frame)
      }
      return { expect: 'survive' }
    },
    { applies: datagramOnly },
  ),
  session('a datagram session left without CLOSE (idle timeout cleans up)', 'counters', 1, () => ({ expect: 'survive', abandon: true }), {
    applies: datagramOnly,
  }),
]

// ------------------------------------------------------------------ reliable datagram mode

const arqCases: HostileCase[] = [
  session(
    'garbage ARQ payloads (sealed, do not parse)',
    'arq',
    3,
    (c, ctx) => {
      for (let n = ctx.rng.range(1, 10); n > 0; n--) c.sendArqPayload(ctx.rng.bytes(ctx.rng.range(1, 300)))
      return { expect: 'survive' }
    },
    { applies: arqOnly },
  ),
  session(
    'ARQ PUSH segments far outside the receive window',
    'arq',
    2,
    (c, ctx) => {
      const rng = ctx.rng
      const sn = rng.pick([1000, 65_536, 2 ** 31, Number.MAX_SAFE_INTEGER - 1])
      c.sendArqPayload(encodeArqPayload({ una: 0, wnd: 128, segments: [{ type: 'push', sn, ts: 0, frg: rng.int(255), data: rng.bytes(rng.int(100)) }] }))
      return { expect: 'survive' }
    },
    { applies: arqOnly },
  ),
  session(
    'ARQ fragments of a message that never completes',
    'arq',
    2,
    (c, ctx) => {
      const rng = ctx.rng
      const base = 20 + rng.int(40) // ahead of the real stream, inside the window
      const segments = []
      for (let i = 0; i < rng.range(1, 40); i++) segments.push({ type: 'push' as const, sn: base + i, ts: 0, frg: 254 - i, data: rng.bytes(rng.int(30)) })
      c.sendArqPayload(encodeArqPayload({ una: 0, wnd: 128, segments }))
      return { expect: 'either', abandon: true }
    },
    { applies: arqOnly },
  ),
  session(
    'ARQ ACKs of segments never sent and una beyond what was sent',
    'arq',
    2,
    (c, ctx) => {
      const rng = ctx.rng
      const segments = rng.chance(0.5) ? [{ type: 'ack' as const, sn: rng.range(100, 100_000), ts: rng.int(2 ** 32) }] : []
      c.sendArqPayload(encodeArqPayload({ una: rng.range(1000, 1 << 30), wnd: rng.int(1 << 16), segments }))
      return { expect: 'survive' }
    },
    { applies: arqOnly },
  ),
  session(
    'ARQ window probes and zero windows',
    'arq',
    1,
    (c, ctx) => {
      const n = ctx.rng.range(1, 50)
      c.sendArqPayload(encodeArqPayload({ una: 0, wnd: 0, segments: new Array(n).fill({ type: 'wask' }) }))
      return { expect: 'either' }
    },
    { applies: arqOnly },
  ),
  session(
    'RECORD frames in reliable datagram mode',
    'arq',
    1,
    (c) => {
      c.link.send(c.sealer!.seal(plaintext((w) => writeCall(w, 1, 'echo', echoArgs('r')))))
      return { expect: 'survive' }
    },
    { applies: arqOnly },
  ),
  session(
    'duplicated ARQ payloads under new counters',
    'arq',
    1,
    (c, ctx) => {
      c.send(plaintext((w) => writeCall(w, 1, 'slow', argsFor(ctx.rng, 'slow'))))
      const p = c.lastArqPayload
      if (p) for (let n = ctx.rng.range(1, 5); n > 0; n--) c.sendArqPayload(p)
      return { expect: 'survive' }
    },
    { applies: arqOnly },
  ),
]

/** Every hostile sequence of the catalogue. */
export const hostileCases: readonly HostileCase[] = [
  ...handshakeCases,
  ...behindFinishCases,
  ...duplicateIdCases,
  ...unknownIdCases,
  ...malformedCases,
  ...limitCases,
  ...floodCases,
  ...counterCases,
  ...arqCases,
]

/** The cases that apply to `target`, optionally of some groups only. */
export function casesFor(target: FuzzTargetInfo, groups?: readonly FuzzGroup[]): HostileCase[] {
  return hostileCases.filter((c) => (c.applies ? c.applies(target) : true) && (!groups || groups.includes(c.group)))
}

/** Cases that send many frames each (floods, garbage datagrams, forged records). */
const FRAME_HEAVY = /flood|garbage datagrams|forged records/i

/**
 * A weight for {@link runHostileCampaign} that draws frame-heavy cases `factor` times more often:
 * many hostile frames for little handshake work.
 */
export function frameHeavyWeight(factor: number): (c: HostileCase) => number {
  return (c) => (c.group === 'flood' || FRAME_HEAVY.test(c.name) ? c.weight * factor : c.weight)
}
