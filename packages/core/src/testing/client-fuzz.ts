import { SigningKey } from '@kp/crypto'
import { connect } from '../client/connect.js'
import type { KiloClient } from '../client/kilo-client.js'
import { KiloError } from '../errors/kilo-error.js'
import { FrameType, WELCOME_SIZE } from '../protocol/constants.js'
import { encodeCookie, encodeReject } from '../protocol/handshake-frames.js'
import { writeCall, writeCancel, writeClose, writeError, writePing, writePush, writeResult } from '../protocol/messages.js'
import type { Connector, Transport, TransportListener } from '../transport/transport.js'
import { type CrashTrap, installCrashTrap } from './crash-trap.js'
import { fuzzApi, fuzzClientInterface } from './fuzz-api.js'
import { FuzzRandom } from './fuzz-random.js'
import { forgedWelcome, frameOfType } from './hostile-frames.js'
import { argsFor, echoArgs, hugeClose, pingFlood, plaintext, randomMessage, truncatedMessage, unknownKindMessage } from './hostile-messages.js'
import { RawLink } from './raw-link.js'
import { RawServer } from './raw-server.js'

/** What a client-fuzz sequence gets to work with: the hostile server end of one client's connection. */
export interface ClientCaseContext {
  server: RawServer
  rng: FuzzRandom
  /** Handshake timeout of the fuzzed clients, ms. */
  handshakeTimeoutMs: number
  /** Another key (a WELCOME signed by it fails the client's pin). */
  otherKey: SigningKey
}

/** One kind of hostile server behaviour. Returns a problem it saw itself (e.g. a PING storm), or undefined. */
export interface ClientCase {
  name: string
  weight: number
  applies?(reliable: boolean): boolean
  run(ctx: ClientCaseContext): Promise<string | undefined>
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
/** A client may not ping faster than this because a server asked it to (the check of `pingIntervalMs: 1`). */
const MAX_PINGS_PER_S = 100

/** Completes a real handshake as the server; false if the client went away. */
async function accept(ctx: ClientCaseContext): Promise<boolean> {
  if (!(await ctx.server.awaitHello(ctx.handshakeTimeoutMs))) return false
  if (!ctx.server.welcome()) return false
  return ctx.server.awaitFinish(ctx.handshakeTimeoutMs)
}

const normalReady = { maxMessage: 16 * 1024, pingIntervalMs: 10_000, idleTimeoutMs: 30_000 }

/** Hostile server behaviours, before, inside and after the handshake. */
export const clientCases: readonly ClientCase[] = [
  {
    name: 'no answer at all (handshake timeout)',
    weight: 1,
    run: async (ctx) => {
      await ctx.server.awaitHello(ctx.handshakeTimeoutMs)
      await ctx.server.link.waitClosed(ctx.handshakeTimeoutMs + 500)
      return undefined
    },
  },
  {
    name: 'forged, truncated or oversized WELCOME, or one with a bad version',
    weight: 3,
    run: async (ctx) => {
      if (!(await ctx.server.awaitHello(ctx.handshakeTimeoutMs))) return undefined
      const rng = ctx.rng
      const w = forgedWelcome(rng)
      const k = rng.int(4)
      const frame =
        k === 0
          ? w
          : k === 1
            ? w.subarray(0, rng.range(1, WELCOME_SIZE - 1))
            : k === 2
              ? frameOfType(rng, FrameType.Welcome, 512)
              : w.map((b, i) => (i === 1 ? 2 << 2 : b))
      ctx.server.link.send(frame)
      await ctx.server.link.waitClosed(ctx.handshakeTimeoutMs + 500)
      return undefined
    },
  },
  {
    name: 'WELCOME signed by a key that is not the pinned one',
    weight: 2,
    run: async (ctx) => {
      if (!(await ctx.server.awaitHello(ctx.handshakeTimeoutMs))) return undefined
      ctx.server.welcome(ctx.otherKey)
      await ctx.server.link.waitClosed(ctx.handshakeTimeoutMs + 500)
      return undefined
    },
  },
  {
    name: 'WELCOME with a small-order ephemeral key',
    weight: 1,
    run: async (ctx) => {
      if (!(await ctx.server.awaitHello(ctx.handshakeTimeoutMs))) return undefined
      const w = forgedWelcome(ctx.rng)
      w.fill(0, 2, 34)
      ctx.server.link.send(w)
      await ctx.server.link.waitClosed(ctx.handshakeTimeoutMs + 500)
      return undefined
    },
  },
  {
    name: 'REJECT garbled, with an unknown code or a long message; COOKIE garbled, flooded, or on a reliable transport',
    weight: 3,
    run: async (ctx) => {
      if (!(await ctx.server.awaitHello(ctx.handshakeTimeoutMs))) return undefined
      const rng = ctx.rng
      const link = ctx.server.link
      switch (rng.int(4)) {
        case 0:
          link.send(encodeReject(rng.range(0, 1000), 'x'.repeat(rng.int(200))))
          break
        case 1:
          link.send(frameOfType(rng, FrameType.Reject, 300))
          break
        case 2:
          for (let i = rng.range(1, 50); i > 0; i--)
            link.send(rng.chance(0.5) ? encodeCookie(rng.bytes(rng.range(1, 64))) : frameOfType(rng, FrameType.Cookie, 100))
          break
        default:
          link.send(frameOfType(rng, rng.pick([0, 1, 3, 4, 7, 8, 255]), 300))
      }
      await link.waitClosed(ctx.handshakeTimeoutMs + 500)
      return undefined
    },
  },
  {
    name: 'WELCOME twice',
    weight: 1,
    run: async (ctx) => {
      if (!(await ctx.server.awaitHello(ctx.handshakeTimeoutMs))) return undefined
      const w = ctx.server.welcome()
      if (w) ctx.server.link.send(w)
      if (await ctx.server.awaitFinish(ctx.handshakeTimeoutMs)) {
        ctx.server.ready(normalReady)
        await ctx.server.serveEcho(200)
      }
      return undefined
    },
  },
  {
    name: 'READY with timers past what setTimeout takes (idleTimeoutMs, pingIntervalMs 2^32..2^53-1): no timer overflow, the client keeps working',
    weight: 2,
    run: async (ctx) => {
      if (!(await accept(ctx))) return undefined
      const rng = ctx.rng
      ctx.server.ready({
        maxMessage: 16 * 1024,
        // well past 2^31 - 1 ms (setTimeout's limit), whatever time passed since the last record
        pingIntervalMs: rng.pick([2 ** 32, 2 ** 40, Number.MAX_SAFE_INTEGER]),
        idleTimeoutMs: rng.pick([2 ** 32, 2 ** 40, Number.MAX_SAFE_INTEGER]),
      })
      await ctx.server.serveEcho(300)
      return undefined
    },
  },
  {
    name: 'READY with pingIntervalMs 1 or 2: the client PINGs at most 100 times a second',
    weight: 2,
    run: async (ctx) => {
      if (!(await accept(ctx))) return undefined
      const pingIntervalMs = ctx.rng.pick([1, 2])
      ctx.server.ready({ maxMessage: 16 * 1024, pingIntervalMs, idleTimeoutMs: 30_000 })
      const ms = 400
      await ctx.server.serveEcho(ms)
      ctx.server.pump()
      const perS = (ctx.server.pings * 1000) / ms
      if (perS > MAX_PINGS_PER_S) return `the client sent ${ctx.server.pings} PINGs in ${ms} ms after READY announced pingIntervalMs ${pingIntervalMs}`
      return undefined
    },
  },
  {
    name: 'READY with odd limits (maxMessage 0, 1 or 2^53-1; idleTimeoutMs 0, 1 or 50): calls end with a result or a named error',
    weight: 2,
    run: async (ctx) => {
      if (!(await accept(ctx))) return undefined
      const rng = ctx.rng
      ctx.server.ready({
        maxMessage: rng.pick([0, 1, 16, Number.MAX_SAFE_INTEGER]),
        pingIntervalMs: rng.pick([0, 10_000]),
        idleTimeoutMs: rng.pick([0, 1, 50]),
      })
      await ctx.server.serveEcho(300)
      return undefined
    },
  },
  {
    name: 'CLOSE before READY (unauthorized, garbled, huge reason)',
    weight: 2,
    run: async (ctx) => {
      if (!(await accept(ctx))) return undefined
      const rng = ctx.rng
      const k = rng.int(3)
      ctx.server.send(
        k === 0
          ? plaintext((w) => writeClose(w, 'unauthorized'))
          : k === 1
            ? hugeClose(rng, rng.range(100, 8000), rng.chance(0.5))
            : plaintext((w) => writeClose(w, '')),
      )
      await ctx.server.link.waitClosed(300)
      return undefined
    },
  },
  {
    name: 'records before READY (RESULT, PING, CALL, PUSH), then READY',
    weight: 2,
    run: async (ctx) => {
      if (!(await accept(ctx))) return undefined
      const rng = ctx.rng
      ctx.server.send(plaintext((w) => randomMessage(rng, w)))
      ctx.server.ready(normalReady)
      await ctx.server.serveEcho(200)
      return undefined
    },
  },
  {
    name: 'READY twice',
    weight: 1,
    run: async (ctx) => {
      if (!(await accept(ctx))) return undefined
      ctx.server.ready(normalReady)
      ctx.server.ready(normalReady)
      await ctx.server.serveEcho(200)
      return undefined
    },
  },
  {
    name: 'answers to calls never made, twice, undecodable, or errors with unknown codes and huge messages',
    weight: 3,
    run: async (ctx) => {
      if (!(await accept(ctx))) return undefined
      const rng = ctx.rng
      ctx.server.ready(normalReady)
      await delay(30)
      ctx.server.pump()
      const ids = [...ctx.server.calls.map((c) => c.id), ...Array.from({ length: 5 }, () => rng.int(100))]
      ctx.server.send(
        plaintext((w) => {
          for (const id of ids) {
            const k = rng.int(4)
            if (k === 0) writeResult(w, id, echoArgs('dup'))
            else if (k === 1) writeResult(w, id, Uint8Array.of(0xff, 0xff, 0xff))
            else if (k === 2) writeError(w, id, rng.pick(['fuzz.Refused', 'app.Unknown', 'kp.Busy', '']), 'm'.repeat(rng.int(5000)), rng.bytes(rng.int(40)))
            else writeResult(w, id, rng.bytes(rng.int(30)))
          }
        }),
      )
      await ctx.server.serveEcho(150)
      return undefined
    },
  },
  {
    name: 'CALLs to the client with duplicate ids, unknown commands, past maxInFlight; CANCEL of unknown ids; PUSH flood',
    weight: 3,
    run: async (ctx) => {
      if (!(await accept(ctx))) return undefined
      const rng = ctx.rng
      ctx.server.ready(normalReady)
      ctx.server.send(
        plaintext((w) => {
          for (let i = rng.range(1, 200); i > 0; i--) {
            const k = rng.int(4)
            const name = rng.pick(['echo', 'missing', 'slow', ''])
            if (k === 0) writeCall(w, rng.int(8), name, argsFor(rng, name))
            else if (k === 1) writeCancel(w, rng.int(100))
            else writePush(w, name, argsFor(rng, name))
            if (k === 3) writeCall(w, 1000 + i, 'echo', echoArgs('ok'))
          }
        }),
      )
      await ctx.server.serveEcho(150)
      return undefined
    },
  },
  {
    name: 'malformed records after READY (empty plaintext, unknown kinds, truncated, bad tag, replayed or skipped counter)',
    weight: 4,
    run: async (ctx) => {
      if (!(await accept(ctx))) return undefined
      const rng = ctx.rng
      const s = ctx.server
      s.ready(normalReady)
      switch (rng.int(6)) {
        case 0:
          s.send(new Uint8Array(0))
          break
        case 1:
          s.send(unknownKindMessage(rng))
          break
        case 2:
          s.send(truncatedMessage(rng))
          break
        case 3: {
          const f = s.sealer!.seal(plaintext(writePing))
          f[rng.range(2, f.length - 1)]! ^= 0x10
          s.link.send(f)
          break
        }
        case 4: {
          const f = s.sealer!.seal(plaintext(writePing))
          s.link.send(f)
          s.link.send(f)
          break
        }
        default:
          s.sealer!.seal(plaintext(writePing))
          s.send(plaintext(writePing))
      }
      await s.serveEcho(150)
      return undefined
    },
  },
  {
    name: 'PING flood',
    weight: 2,
    run: async (ctx) => {
      if (!(await accept(ctx))) return undefined
      ctx.server.ready(normalReady)
      for (let r = ctx.rng.range(1, 20); r > 0; r--) ctx.server.send(pingFlood(ctx.rng.range(1, 2000)))
      await ctx.server.serveEcho(150)
      return undefined
    },
  },
  {
    name: 'READY, then never answers a call (client call timeout)',
    weight: 1,
    run: async (ctx) => {
      if (!(await accept(ctx))) return undefined
      ctx.server.ready(normalReady)
      await ctx.server.link.waitClosed(1_500)
      return undefined
    },
  },
]

/** What a client-fuzz run found. */
export interface ClientFuzzReport {
  seed: number
  sequences: number
  /** Unhandled rejections and uncaught exceptions (a client process would have died). */
  crashes: string[]
  /** Process warnings while the run lasted (`TimeoutOverflowWarning`: a server-chosen timer reached setTimeout). */
  warnings: string[]
  /** Calls that did not settle, settled with a non-library error, clients that did not close, and the cases' own findings. */
  problems: string[]
  /** How client calls ended, by code (`ok` for a result). */
  outcomes: Record<string, number>
}

/** A target of {@link runClientFuzz}: a plain listener (no core server) and a connector to it. */
export interface ClientFuzzTarget {
  name: string
  reliable: boolean
  listen(): Promise<TransportListener>
  connector(listener: TransportListener): Connector
}

/**
 * Connects real `KiloClient`s (no reconnect, short handshake and call timeouts) to hostile
 * servers, `lanes` at a time (every case once, then drawn by weight), each making a few calls,
 * and checks the client side: no unhandled
 * rejection or uncaught exception, every call settles (a result or a library error) in bounded
 * time, every client closes. Each hostile server serves whichever client connected to it.
 */
export async function runClientFuzz(
  t: ClientFuzzTarget,
  o: { seed: number; sequences: number; lanes?: number; cases?: readonly ClientCase[] },
): Promise<ClientFuzzReport> {
  const trap: CrashTrap = installCrashTrap()
  const handshakeTimeoutMs = 600
  const callTimeoutMs = 800
  const key = SigningKey.generate()
  const otherKey = SigningKey.generate()
  const listener = await t.listen()
  const pending: Transport[] = []
  const waiting: ((tr: Transport) => void)[] = []
  listener.onConnection((tr) => {
    const w = waiting.shift()
    if (w) w(tr)
    else pending.push(tr)
  })
  const nextTransport = (ms: number) =>
    new Promise<Transport | null>((resolve) => {
      const tr = pending.shift()
      if (tr) return resolve(tr)
      const timer = setTimeout(() => {
        const i = waiting.indexOf(take)
        if (i >= 0) waiting.splice(i, 1)
        resolve(null)
      }, ms)
      const take = (x: Transport) => {
        clearTimeout(timer)
        resolve(x)
      }
      waiting.push(take)
    })
  const connector = t.connector(listener)
  const pool = (o.cases ?? clientCases).filter((c) => !c.applies || c.applies(t.reliable))
  const weighted = pool.map((c) => [c.weight, c] as const)
  const master = new FuzzRandom(o.seed)
  const problems: string[] = []
  const outcomes: Record<string, number> = {}
  let issued = 0
  let done = 0

  const one = async (n: number, c: ClientCase, rng: FuzzRandom) => {
    const client: KiloClient = connect(connector, {
      serverId: key.publicKey,
      reconnect: false,
      handshakeTimeoutMs,
      callTimeoutMs,
      iface: fuzzClientInterface(),
    })
    const settled: Promise<void>[] = []
    const call = () => {
      const p = client.call(fuzzApi.echo, 'hi').then(
        () => {
          outcomes.ok = (outcomes.ok ?? 0) + 1
        },
        (e: unknown) => {
          const code = KiloError.isInstance(e) ? e.code : `unnamed ${(e as Error)?.name}`
          outcomes[code] = (outcomes[code] ?? 0) + 1
          if (!KiloError.isInstance(e)) problems.push(`#${n} ${c.name}: a client call failed with a non-library error: ${(e as Error)?.stack ?? e}`)
        },
      )
      settled.push(p)
    }
    call()
    call()
    const transport = await nextTransport(handshakeTimeoutMs + 1_000)
    if (transport) {
      const server = new RawServer(new RawLink(transport), key)
      const later = setTimeout(call, 20)
      try {
        const found = await c.run({ server, rng, handshakeTimeoutMs, otherKey })
        if (found) problems.push(`#${n} ${c.name}: ${found}`)
      } catch (e) {
        problems.push(`#${n} ${c.name}: the hostile server script failed: ${(e as Error)?.stack ?? e}`)
      }
      clearTimeout(later)
      server.link.close()
    }
    const bound = handshakeTimeoutMs + callTimeoutMs + 2_000
    const all = Promise.all(settled).then(() => true)
    const inTime = await Promise.race([all, delay(bound).then(() => false)])
    if (!inTime) problems.push(`#${n} ${c.name}: a client call did not settle within ${bound} ms`)
    await client.close()
    if (client.state !== 'closed') problems.push(`#${n} ${c.name}: client state is ${client.state} after close()`)
  }

  const lane = async () => {
    while (issued < o.sequences) {
      const n = issued++
      const rng = new FuzzRandom((o.seed ^ Math.imul(n + 1, 0x85ebca6b)) >>> 0)
      // every case once, then drawn by weight
      await one(n, n < pool.length ? pool[n]! : master.weighted(weighted), rng)
      done++
    }
  }
  await Promise.all(Array.from({ length: o.lanes ?? 8 }, lane))
  for (const tr of pending.splice(0)) tr.close()
  await listener.close()
  await delay(20)
  trap.dispose()
  return {
    seed: o.seed,
    sequences: done,
    crashes: trap.errors.slice(0, 8),
    warnings: trap.warnings.slice(0, 8),
    problems: problems.slice(0, 50),
    outcomes,
  }
}
