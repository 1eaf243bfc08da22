// A program that declares no stream (no stream(), sink() or channel() call) never loads the
// stream code: its sessions refuse the peer's streams with the same checks as the stream table.
// This file must not call stream(), sink() or channel() before the last test, which loads them.
import * as bp from '@kp/bipack'
import { SigningKey } from '@kp/crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { command, connect, KiloInterface, memoryConnector, memoryListener, serve } from '../src/index.js'
import { Kind } from '../src/protocol/constants.js'
import { writeCall, writeCredit, writeItem, writeOpen, writeStop } from '../src/protocol/messages.js'
import type { Session } from '../src/rpc/session.js'
import { NoStreams } from '../src/stream/no-streams.js'
import { loadedStreams } from '../src/stream/stream-support.js'
import { received, until } from './support/peer-messages.js'
import { rawMemoryPeer } from './support/raw-peer.js'

const key = SigningKey.generate()
const echo = command('echo', bp.string, bp.string)
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function server() {
  const sessions: Session<unknown>[] = []
  const closed: string[] = []
  const iface = new KiloInterface().on(echo, (s) => s).onConnected((ctx) => void sessions.push(ctx as Session<unknown>))
  const l = await memoryListener()
  const s = serve(l, iface, { key })
  s.on('sessionClosed', (_s, reason) => closed.push(reason))
  cleanups.push(() => s.close())
  return { iface, port: l.address.port, sessions, closed }
}

const u32 = (n: number) => bp.u32.encode(n)

describe('sessions of a program without stream definitions (the stream code is not loaded)', () => {
  it('nothing has loaded the stream code in this file yet', () => {
    expect(loadedStreams()).toBeNull()
  })

  it("refuses the peer's streams, sinks and channels with kp.UnknownCommand; crossed messages are dropped; calls go on", async () => {
    const { port, sessions, closed } = await server()
    const peer = await rawMemoryPeer(port)
    peer.record((w) => {
      writeOpen(w, 1, 2, 'ticks', 16, u32(3)) // stream
      writeOpen(w, 2, 1, 'upload', 0, bp.string.encode('x')) // sink: STOP first
      writeOpen(w, 4, 3, 'room', 8, u32(0)) // channel: STOP first
      // messages the peer sent before it saw the refusals
      writeItem(w, 4, bp.bytes.encode(new Uint8Array(10)))
      writeCredit(w, 2, 5)
      writeStop(w, 2)
      w.unsigned(Kind.Cancel).unsigned(1)
      writeCall(w, 5, 'echo', bp.string.encode('alive'))
    })
    await until(() => received(peer).results.length === 1, 3000, 'the RESULT after the refusals')
    const r = received(peer)
    expect(r.fails.map((f) => [f.ref, f.code])).toEqual([
      [3, 'kp.UnknownCommand'],
      [5, 'kp.UnknownCommand'],
      [9, 'kp.UnknownCommand'],
    ])
    expect(r.fails.map((f) => f.message)).toEqual(["unknown stream 'ticks'", "unknown sink 'upload'", "unknown channel 'room'"])
    expect(r.stops).toEqual([5, 9])
    expect(closed).toEqual([])
    expect(sessions[0]!.streams).toBeInstanceOf(NoStreams)
    expect(sessions[0]!.streams.size).toBe(0)
  })

  it('hostile stream messages close the link with the same errors as the stream table', async () => {
    const cases: [string, (w: bp.BipackWriter) => void, RegExp][] = [
      [
        'an OPEN whose id does not grow',
        (w) => {
          writeOpen(w, 3, 2, 'a', 1, u32(0))
          writeOpen(w, 3, 2, 'a', 1, u32(0))
        },
        /OPEN with stream id 3, not above the last one opened \(3\)/,
      ],
      ['OPEN with flags no shape has', (w) => writeOpen(w, 1, 0, 'a', 0, u32(0)), /OPEN of 'a' with flags 0/],
      ['OPEN of a sink granting credit', (w) => writeOpen(w, 1, 1, 'a', 4, u32(0)), /OPEN of sink 'a' grants credit for items it will not receive/],
      ['OPEN granting credit past the cap', (w) => writeOpen(w, 1, 2, 'a', 2 ** 31, u32(0)), /grants 2147483648 items of credit/],
      ['ITEM for a stream the peer never opened', (w) => writeItem(w, 2 * 99, u32(1)), /ITEM for stream 99, which the peer never opened/],
      ['CREDIT for a stream this side never opened', (w) => writeCredit(w, 2 * 5 + 1, 4), /CREDIT for stream 5, which this side never opened/],
      ['STOP for stream 0', (w) => writeStop(w, 0), /STOP for stream 0, which the peer never opened/],
    ]
    for (const [what, write, reason] of cases) {
      const { port, closed } = await server()
      const peer = await rawMemoryPeer(port)
      peer.record(write)
      await peer.closed
      await until(() => closed.length === 1, 3000, what)
      expect(closed[0], what).toMatch(reason)
    }
  })

  it('a hand-made stream definition is refused where it is used, with what to do', async () => {
    const fake = { shape: 'stream' as const, name: 'fake', args: bp.u32, item: bp.u32 }
    expect(() => new KiloInterface().on(fake, async function* () {})).toThrow(
      /'fake' is not a stream definition made by stream\(\): declare it with stream\(\)/,
    )
    const { port } = await server()
    const c = connect(memoryConnector(port), { serverId: key.publicKey, reconnect: false })
    cleanups.push(() => c.close())
    expect(() => c.stream(fake, 1)).toThrow(/"definition" expected a stream definition \(made by stream\(\)\)/)
    await expect(c.sink({ shape: 'sink', name: 's', args: bp.u32, item: bp.u32, result: bp.u32 }, 1, [])).rejects.toThrow(/made by sink\(\)/)
    expect(await c.call(echo, 'still works')).toBe('still works')
  })

  it('stream code loaded later (a lazily imported module declares a stream): open sessions take it up', async () => {
    const { iface, port, sessions } = await server()
    const c = connect(memoryConnector(port), { serverId: key.publicKey, reconnect: false })
    cleanups.push(() => c.close())
    expect(await c.call(echo, 'before')).toBe('before')
    const peer = await rawMemoryPeer(port)
    peer.record((w) => writeOpen(w, 2, 2, 'count', 16, u32(3)))
    await until(() => received(peer).fails.length === 1, 3000, 'the refusal')
    expect(sessions.every((s) => s.streams instanceof NoStreams)).toBe(true)

    const { stream } = await import('../src/stream/define.js')
    const count = stream('count', bp.u32, bp.u32)
    expect(loadedStreams()).not.toBeNull()
    iface.on(count, async function* (n) {
      for (let i = 0; i < n; i++) yield i
    })
    // the client's session was made before: it opens streams now
    const got: number[] = []
    for await (const x of c.stream(count, 3)) got.push(x)
    expect(got).toEqual([0, 1, 2])
    // the raw peer's session keeps the ids it used while streams were refused
    peer.record((w) => writeOpen(w, 3, 2, 'count', 16, u32(2)))
    await until(() => received(peer).ends.length === 1, 3000, 'END of the stream opened after the code loaded')
    expect(received(peer).items).toBe(2)
    peer.record((w) => writeOpen(w, 2, 2, 'count', 16, u32(2)))
    await peer.closed
  })
})
