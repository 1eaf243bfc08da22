import { connect as netConnect, type Socket } from 'node:net'
import { hostileFrames, runClientFuzzSuite, runFuzzSuite, type FuzzExtraPhase } from '@kp/core/testing'
import { encodeFrame } from '../src/frame-encoder.js'
import { type TcpListener, tcpConnector, tcpListener } from '../src/index.js'

/** Opens a raw socket, writes `chunks` (with `gapMs` between them) and reports whether the server closed it in time. */
async function rawStream(port: number, chunks: Uint8Array[], gapMs: number, closeWithinMs: number): Promise<'closed' | 'open'> {
  const socket: Socket = netConnect({ host: '127.0.0.1', port, noDelay: true })
  socket.on('error', () => {})
  socket.resume() // read and drop what the server sends (REJECT, WELCOME)
  const closed = new Promise<'closed'>((resolve) => socket.once('close', () => resolve('closed')))
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()).once('close', () => resolve()))
  for (const c of chunks) {
    if (socket.destroyed) break
    socket.write(c)
    if (gapMs) await new Promise((r) => setTimeout(r, gapMs))
  }
  const result = await Promise.race([closed, new Promise<'open'>((r) => setTimeout(() => r('open'), closeWithinMs))])
  socket.destroy()
  return result
}

/** Bytes on the TCP stream no transport would write: the server must close each such socket. */
const byteStream: FuzzExtraPhase = {
  title:
    'byte-stream garbage (random bytes, zero-length frames, length prefixes above the handshake limit and maxFrame, frames cut short, a HELLO a byte at a time, many frames in one write): each socket closed by the server',
  async run({ listener, rng, limits }) {
    const port = listener.address.port
    const problems: string[] = []
    const within = limits.handshakeTimeoutMs + 2_000
    const cases: [string, () => { chunks: Uint8Array[]; gapMs: number }][] = [
      ['random bytes', () => ({ chunks: [rng.bytes(rng.range(1, 2_000))], gapMs: 0 })],
      ['a zero-length frame', () => ({ chunks: [Uint8Array.of(0), rng.bytes(rng.int(10))], gapMs: 0 })],
      [
        'a length prefix above the handshake frame limit, and above maxFrame',
        () => {
          const len = rng.pick([513, 4_096, 70_000, 16 * 1024 * 1024 + 1, 2 ** 30])
          return { chunks: [lengthPrefix(len), rng.bytes(rng.int(100))], gapMs: 0 }
        },
      ],
      ['a frame cut short, then silence', () => ({ chunks: [encodeFrame(hostileFrames.validHello(rng)).subarray(0, rng.range(1, 200))], gapMs: 0 })],
      [
        'a HELLO one byte at a time, then silence',
        () => ({ chunks: [...encodeFrame(hostileFrames.validHello(rng)).subarray(0, 40)].map((b) => Uint8Array.of(b)), gapMs: 2 }),
      ],
      [
        'many frames in one write',
        () => {
          const frames = Array.from({ length: rng.range(2, 50) }, () =>
            encodeFrame(rng.chance(0.5) ? hostileFrames.validHello(rng) : hostileFrames.randomFrame(rng, 300)),
          )
          const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0))
          let o = 0
          for (const f of frames) {
            all.set(f, o)
            o += f.length
          }
          return { chunks: [all], gapMs: 0 }
        },
      ],
    ]
    const runs: Promise<void>[] = []
    for (let round = 0; round < 4; round++) {
      for (const [name, make] of cases) {
        const { chunks, gapMs } = make()
        runs.push(
          rawStream(port, chunks, gapMs, within).then((r) => {
            if (r === 'open') problems.push(`${name}: the server kept the socket open for ${within} ms`)
          }),
        )
      }
    }
    await Promise.all(runs)
    return problems
  },
}

/** `smartint(length)` alone (PROTOCOL.md 2 and 8): the header of a frame that never comes. */
function lengthPrefix(len: number): Uint8Array {
  const out: number[] = []
  const low = (len & 63) << 2
  if (len < 64) out.push(low)
  else if (len < 16_384) out.push(low | 1, len >>> 6)
  else if (len < 4_194_304) out.push(low | 2, (len >>> 6) & 255, (len >>> 14) & 255)
  else {
    out.push(low | 3, (len >>> 6) & 255, (len >>> 14) & 255)
    let rest = Math.floor(len / 4_194_304)
    while (rest >= 128) {
      out.push((rest & 127) | 128)
      rest = Math.floor(rest / 128)
    }
    out.push(rest)
  }
  return Uint8Array.from(out)
}

// Seeded hostile peers against a real server on 127.0.0.1 over TCP while a good client keeps
// calling (KP_FUZZ_SEED replays a run, KP_FUZZ_VERBOSE=1 prints what each phase did).
runFuzzSuite({
  name: 'tcp',
  reliable: true,
  listen: () => tcpListener({ host: '127.0.0.1', port: 0 }),
  connector: (l) => tcpConnector({ host: '127.0.0.1', port: l.address.port }),
  counters: (l) => ({ tcpConnections: (l as TcpListener).connectionCount }),
  extraPhases: [byteStream],
})

// Seeded hostile servers against KiloClient over TCP.
runClientFuzzSuite({
  name: 'tcp',
  reliable: true,
  listen: () => tcpListener({ host: '127.0.0.1', port: 0 }),
  connector: (l) => tcpConnector({ host: '127.0.0.1', port: l.address.port }),
})
