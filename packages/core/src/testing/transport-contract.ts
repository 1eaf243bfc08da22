import { afterEach, describe, expect, it } from 'vitest'
import { TransportError } from '../errors/transport-error.js'
import { Defaults, FrameType } from '../protocol/constants.js'
import { TransportCode } from '../transport/transport-codes.js'
import type { Transport } from '../transport/transport.js'

/** Two connected ends of one transport, opened by a {@link TransportContractTarget}. */
export interface TransportPair {
  /** The connecting end: no handlers yet, nothing received yet. */
  client: Transport
  /**
   * The accepting end: no handlers yet. It may hold frames the target sent to open the pair (a
   * datagram listener makes its transport for a HELLO); the suite ignores frames that are not
   * RECORD-typed.
   */
  server: Transport
  /** Frees what the pair holds besides the two ends (a listener); the ends are closed by the suite. */
  close?(): Promise<void> | void
}

/** What a transport package hands to {@link runTransportContract}. */
export interface TransportContractTarget {
  /** Shown in the test names. */
  name: string
  /** Must match the transports' `reliable`. */
  reliable: boolean
  /** Opens a connected pair whose ends both have this `maxFrame`. */
  pair(options: { maxFrame: number }): Promise<TransportPair>
  /** Largest `maxFrame` the target supports; the suite uses min(this, 60 000). */
  maxFrame?: number
  /** Scenario names to skip, each with the reason (printed). */
  skip?: Record<string, string>
  /** Per-test timeout, ms. Default 20 000. */
  timeoutMs?: number
}

/** How long the suite lets frames travel before it installs handlers (loopback: far less). */
const TRAVEL_MS = 250

interface Recorder {
  /** RECORD-typed frames received, in order. */
  frames: Uint8Array[]
  /** Every close report. */
  closes: (Error | undefined)[]
  /** Resolves with the first close report. */
  closed: Promise<Error | undefined>
}

function record(t: Transport, onFrame?: (f: Uint8Array) => void): Recorder {
  const r: Recorder = { frames: [], closes: [], closed: Promise.resolve(undefined) }
  r.closed = new Promise((resolve) =>
    t.setHandlers({
      frame(f) {
        if (f[0] !== FrameType.Record) return
        r.frames.push(f)
        onFrame?.(f)
      },
      close(e) {
        r.closes.push(e)
        resolve(e)
      },
    }),
  )
  return r
}

/** A RECORD-typed frame of `length` bytes: type, sequence number, then a pattern. */
function frame(length: number, seq: number): Uint8Array {
  const f = new Uint8Array(length)
  for (let i = 2; i < length; i++) f[i] = (i * 7 + seq) & 255
  f[0] = FrameType.Record
  f[1] = seq & 255
  return f
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const microtasks = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve()
}

async function until(cond: () => boolean, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(5)
  }
}

/** `promise`, or a failure naming `what` after `ms`. */
function within<T>(promise: Promise<T>, what: string, ms = 5_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)
  })
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

const codeOf = (e: unknown) => (TransportError.isInstance(e) ? e.code : String(e))

/**
 * The `Transport` contract suite (the rules in `transport.ts`), like js-libp2p's interface
 * compliance tests: declares vitest tests that check, on raw transport pairs of the target,
 * early frames (kept in order, bounded), close reported exactly once (local close, peer close,
 * error, before `setHandlers`), send after close, frame size limits (handshake size before
 * `authenticated()`, `maxFrame` after, `RangeError` on oversize sends) and that a throwing frame
 * handler closes only its own transport. Every transport package runs it, memory included.
 *
 * @example
 * runTransportContract({ name: 'memory', reliable: true, pair: async ({ maxFrame }) => { const [client, server] = memoryPair({ maxFrame }); return { client, server } } })
 */
export function runTransportContract(target: TransportContractTarget): void {
  const maxFrame = Math.min(target.maxFrame ?? 60_000, 60_000)
  const hs = Defaults.handshakeFrameMax
  const open: TransportPair[] = []
  const timeout = target.timeoutMs ?? 20_000

  afterEach(async () => {
    for (const p of open.splice(0)) {
      p.client.close()
      p.server.close()
      await p.close?.()
    }
  })

  const pair = async () => {
    const p = await target.pair({ maxFrame })
    open.push(p)
    return p
  }
  /** A pair whose server end has handlers (it only sends in these tests). */
  const pairWithServer = async () => {
    const p = await pair()
    return { ...p, s: record(p.server) }
  }

  const scenario = (name: string, fn: () => Promise<void>) => {
    const reason = target.skip?.[name]
    if (reason) it.skip(`${name} (skipped: ${reason})`, fn)
    else it(name, fn, timeout)
  }

  describe(`transport contract: ${target.name}`, () => {
    scenario('frames that arrive before setHandlers are kept and delivered in order, in a microtask', async () => {
      const { client, server } = await pairWithServer()
      const sizes = [10, 100, 200, 300, hs]
      for (const [i, n] of sizes.entries()) server.send(frame(n, i))
      await sleep(TRAVEL_MS)
      const c = record(client)
      expect(c.frames).toEqual([]) // not inside setHandlers
      await microtasks()
      expect(c.frames.map((f) => f.length)).toEqual(sizes)
      expect(c.frames.map((f) => f[1])).toEqual([0, 1, 2, 3, 4])
      // later frames follow them
      server.send(frame(50, 5))
      await until(() => c.frames.length === 6, 'a frame after the early ones')
      expect(c.frames[5]![1]).toBe(5)
      expect(c.closes).toEqual([])
    })

    scenario('frames before setHandlers are bounded', async () => {
      const { client, server } = await pairWithServer()
      for (let i = 0; i < 40; i++) server.send(frame(100, i))
      await sleep(TRAVEL_MS)
      const c = record(client)
      await microtasks()
      if (target.reliable) {
        // a reliable transport cannot drop: it closes, naming why
        const e = await within(c.closed, 'the close report')
        expect(codeOf(e)).toBe(TransportCode.EarlyFrames)
        expect(c.closes).toHaveLength(1)
      } else {
        // a datagram transport drops what is over the bound, as a full kernel buffer would
        expect(c.frames.length).toBeGreaterThan(0)
        expect(c.frames.length).toBeLessThan(40)
        const seqs = c.frames.map((f) => f[1]!)
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
        server.send(frame(100, 99))
        await until(() => c.frames.at(-1)?.[1] === 99, 'a frame after the bound')
        expect(c.closes).toEqual([])
      }
    })

    scenario('a local close is reported exactly once, without error', async () => {
      const { client, s } = await pairWithServer()
      const c = record(client)
      client.close()
      client.close(new Error('again'))
      expect(c.closes).toEqual([]) // reported in a microtask, not inside close()
      expect(await within(c.closed, 'the close report')).toBeUndefined()
      if (target.reliable) expect(await within(s.closed, 'the close report')).toBeUndefined()
      await sleep(50)
      expect(c.closes).toEqual([undefined])
      if (target.reliable) expect(s.closes).toEqual([undefined])
    })

    scenario('a close with an error reports that error, once', async () => {
      const { client } = await pairWithServer()
      const c = record(client)
      const reason = new Error('bye')
      client.close(reason)
      client.close()
      expect(await within(c.closed, 'the close report')).toBe(reason)
      await sleep(20)
      expect(c.closes).toEqual([reason])
    })

    scenario('a close by the peer is reported once, after the frames it sent', async () => {
      if (!target.reliable) return // a datagram transport has no close on the wire
      const { client, server } = await pairWithServer()
      const c = record(client)
      server.send(frame(100, 1))
      server.send(frame(200, 2))
      server.close()
      expect(await within(c.closed, 'the close report')).toBeUndefined()
      expect(c.frames.map((f) => f.length)).toEqual([100, 200])
      client.close()
      await sleep(50)
      expect(c.closes).toEqual([undefined])
    })

    scenario('a close before setHandlers is reported once setHandlers is called', async () => {
      const { client } = await pairWithServer()
      const reason = new Error('early')
      client.close(reason)
      await sleep(20)
      const c = record(client)
      expect(c.closes).toEqual([])
      expect(await within(c.closed, 'the close report')).toBe(reason)
      await sleep(20)
      expect(c.closes).toEqual([reason])
      expect(c.frames).toEqual([])
      expect(() => client.setHandlers({ frame() {}, close() {} })).toThrow(/once/)
    })

    scenario('send after close is ignored (a wrong size still throws)', async () => {
      const { client, s } = await pairWithServer()
      record(client)
      client.close()
      expect(() => client.send(frame(100, 1))).not.toThrow()
      expect(() => client.send(new Uint8Array(maxFrame + 1))).toThrow(RangeError)
      await sleep(100)
      expect(s.frames).toEqual([])
    })

    scenario('frames up to the handshake size before authenticated(), up to maxFrame after', async () => {
      const { client, server } = await pairWithServer()
      const c = record(client)
      server.send(frame(hs, 1))
      await until(() => c.frames.length === 1, 'a handshake-sized frame')
      server.send(frame(hs + 1, 2))
      if (target.reliable) {
        const e = await within(c.closed, 'the close report')
        expect(codeOf(e)).toBe(TransportCode.FrameTooLarge)
        expect(c.frames).toHaveLength(1)
        return
      }
      // datagrams: dropped (anyone can send one from a spoofed address), the session goes on
      server.send(frame(100, 3))
      await until(() => c.frames.length === 2, 'a frame after the dropped one')
      expect(c.frames.map((f) => f[1])).toEqual([1, 3])
      client.authenticated?.()
      server.send(frame(maxFrame, 4))
      await until(() => c.frames.length === 3, 'a maxFrame-sized frame')
      expect(c.frames[2]!.length).toBe(maxFrame)
      expect(c.closes).toEqual([])
    })

    scenario('after authenticated(), a frame of maxFrame arrives whole', async () => {
      const { client, server } = await pairWithServer()
      client.authenticated?.()
      const c = record(client)
      const big = frame(maxFrame, 7)
      server.send(big)
      await until(() => c.frames.length === 1, 'a maxFrame-sized frame')
      expect(c.frames[0]!.length).toBe(maxFrame)
      expect(c.frames[0]!.every((b, i) => b === big[i])).toBe(true)
      expect(c.closes).toEqual([])
    })

    scenario('send throws RangeError for an empty frame or one above maxFrame', async () => {
      const { client } = await pairWithServer()
      record(client)
      expect(client.maxFrame).toBe(maxFrame)
      expect(client.reliable).toBe(target.reliable)
      expect(() => client.send(new Uint8Array(maxFrame + 1))).toThrow(RangeError)
      expect(() => client.send(new Uint8Array(0))).toThrow(RangeError)
      expect(() => client.send('x' as never)).toThrow(TypeError)
      client.send(frame(maxFrame, 1)) // at the limit: fine
    })

    scenario('a frame handler that throws closes only its own transport', async () => {
      const one = await pairWithServer()
      const two = await pairWithServer()
      const bug = new Error('handler bug')
      const c1 = record(one.client, () => {
        throw bug
      })
      const c2 = record(two.client)
      one.server.send(frame(10, 1))
      expect(await within(c1.closed, 'the close report')).toBe(bug)
      if (target.reliable) await within(one.s.closed, 'the close report')
      two.server.send(frame(10, 2))
      await until(() => c2.frames.length === 1, 'a frame on the other transport')
      await sleep(20)
      expect(c1.closes).toEqual([bug])
      expect(c2.closes).toEqual([])
    })
  })
}
