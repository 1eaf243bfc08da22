import { describe, expect, it } from 'vitest'
import { ServerHandshake } from '../src/handshake/server-handshake.js'
import { memoryConnector, memoryListener, ProtocolError, SigningKey } from '../src/index.js'
import { FrameParseError, parseHello } from '../src/protocol/handshake-frames.js'
import { ignoreStreamMessages, readMessages } from '../src/protocol/messages.js'
import { defaultFuzzLimits, FuzzRandom, fuzzApi, hostileCases, hostileFrames, hostileMessages, runClientFuzzSuite, runFuzzSuite } from '../src/testing/index.js'

// Seeded hostile peers against a real server over the in-memory transports, while a good client
// keeps calling (KP_FUZZ_SEED replays a run, KP_FUZZ_VERBOSE=1 prints what each phase did).
runFuzzSuite({
  name: 'memory (reliable)',
  reliable: true,
  listen: () => memoryListener(),
  connector: (l) => memoryConnector(l.address.port),
})

runFuzzSuite({
  name: 'memory (datagram)',
  reliable: false,
  sequences: 100,
  listen: () => memoryListener({ reliable: false }),
  connector: (l) => memoryConnector(l.address.port),
})

// Seeded hostile servers against KiloClient.
runClientFuzzSuite({ name: 'memory (reliable)', reliable: true, listen: () => memoryListener(), connector: (l) => memoryConnector(l.address.port) })
runClientFuzzSuite({
  name: 'memory (datagram)',
  reliable: false,
  listen: () => memoryListener({ reliable: false }),
  connector: (l) => memoryConnector(l.address.port),
})

// The generators make what they claim, and the same seed makes the same bytes.
describe('hostile generators', () => {
  const rng = () => new FuzzRandom(7)
  it('are deterministic for a seed', () => {
    const a = rng()
    const b = rng()
    for (let i = 0; i < 50; i++) expect(hostileFrames.randomFrame(a, 600)).toEqual(hostileFrames.randomFrame(b, 600))
    expect(hostileFrames.validHello(a)).toEqual(hostileFrames.validHello(b))
  })

  it('make HELLOs the server must refuse, each for the reason it names', () => {
    const r = rng()
    for (let i = 0; i < 50; i++) {
      expect(() => parseHello(hostileFrames.truncatedHello(r))).toThrow(/must be 256 bytes/)
      expect(() => parseHello(hostileFrames.oversizedHello(r, 512, i % 2 === 0))).toThrow(/must be 256 bytes/)
      expect(() => parseHello(hostileFrames.helloNonZeroPadding(r))).toThrow(/padding/)
      expect(() => parseHello(hostileFrames.helloBadCookie(r))).toThrow(FrameParseError)
      expect(() => parseHello(hostileFrames.helloWithVersion(r, 2 + (i % 60)))).toThrow(/version/)
      expect(() => new ServerHandshake(hostileFrames.helloLowOrderKey(r), SigningKey.generate())).toThrow(/low-order/)
    }
    expect(parseHello(hostileFrames.helloNonMinimalVersion(rng())).version).toBe(1)
    expect(parseHello(hostileFrames.validHello(rng())).version).toBe(1)
  })

  it('make messages that end early, unknown kinds, and non-minimal smartints that still decode', () => {
    const r = rng()
    const sink = () => {
      const seen: unknown[] = []
      const s = {
        ...ignoreStreamMessages,
        ready: () => seen.push('ready'),
        call: (id: number, c: string, a: Uint8Array) => seen.push([id, c, fuzzApi.echo.args.decode(a)]),
        push: () => {},
        result: () => {},
        error: () => {},
        cancel: () => {},
        ping: () => {},
        pong: () => {},
        close: () => {},
      }
      return { s, seen }
    }
    for (let i = 0; i < 100; i++) {
      expect(() => readMessages(hostileMessages.truncatedMessage(r), sink().s)).toThrow(ProtocolError)
      expect(() => readMessages(hostileMessages.unknownKindMessage(r), sink().s)).toThrow(/unknown message kind/)
      const { s, seen } = sink()
      readMessages(hostileMessages.nonMinimalCall(r, 300 + i, 'nm'), s)
      expect(seen).toEqual([[300 + i, 'echo', 'nm']])
    }
  })

  it('cover every group, and every case applies to some transport', () => {
    const groups = new Set(hostileCases.map((c) => c.group))
    expect([...groups].sort()).toEqual(['arq', 'behind-finish', 'counters', 'duplicate-ids', 'flood', 'handshake', 'limits', 'malformed', 'unknown-ids'])
    const kinds = [
      { reliable: true, arq: false },
      { reliable: false, arq: false },
      { reliable: false, arq: true },
    ]
    for (const c of hostileCases)
      expect(kinds.some((k) => !c.applies || c.applies({ ...k, maxFrame: 0, limits: defaultFuzzLimits, serverId: SigningKey.generate().publicKey }))).toBe(true)
  })
})
