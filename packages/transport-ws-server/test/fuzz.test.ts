import { connect as netConnect } from 'node:net'
import { type FuzzExtraPhase, hostileFrames, runFuzzSuite } from '@kp/core/testing'
import { wsConnector } from '@kp/transport-ws-client'
import WebSocket from 'ws'
import { type WsListener, wsListener } from '../src/index.js'

const wait = (ms: number) => new Promise<'open'>((r) => setTimeout(() => r('open'), ms))

/** A `ws` client with subprotocol kp1 that sends `act`'s messages; whether the server closed it in time. */
async function rawWs(url: string, act: (ws: WebSocket) => void, closeWithinMs: number): Promise<'closed' | 'open'> {
  const ws = new WebSocket(url, ['kp1'], { perMessageDeflate: false })
  ws.on('error', () => {})
  const closed = new Promise<'closed'>((r) => ws.once('close', () => r('closed')))
  const opened = await Promise.race([new Promise<boolean>((r) => ws.once('open', () => r(true))), closed.then(() => false)])
  if (!opened) return 'closed'
  act(ws)
  const r = await Promise.race([closed, wait(closeWithinMs)])
  ws.terminate()
  return r
}

/** A raw TCP socket that upgrades by hand, then writes `bytes` (no masking, reserved bits...). */
async function rawUpgrade(port: number, bytes: Uint8Array, closeWithinMs: number): Promise<'closed' | 'open'> {
  const s = netConnect({ host: '127.0.0.1', port })
  s.on('error', () => {})
  s.resume()
  const closed = new Promise<'closed'>((r) => s.once('close', () => r('closed')))
  await new Promise<void>((r) => s.once('connect', () => r()).once('close', () => r()))
  s.write(
    'GET /kp HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: kp1\r\n\r\n',
  )
  await new Promise((r) => setTimeout(r, 20))
  s.write(bytes)
  const r = await Promise.race([closed, wait(closeWithinMs)])
  s.destroy()
  return r
}

/** WebSocket-level hostile input: the server must close each such connection. */
const wsLevel: FuzzExtraPhase = {
  title:
    'WebSocket-level garbage (text messages, empty and oversized binary messages before the handshake, ping floods, unmasked or reserved-bit frames after a hand-made upgrade, HTTP garbage): each connection closed by the server',
  async run({ listener, rng, limits }) {
    const l = listener as WsListener
    const within = limits.handshakeTimeoutMs + 2_000
    const problems: string[] = []
    const cases: [string, () => Promise<'closed' | 'open'>][] = [
      ['a text message', () => rawWs(l.url, (ws) => ws.send('hello'), within)],
      ['an empty binary message', () => rawWs(l.url, (ws) => ws.send(new Uint8Array(0)), within)],
      ['a binary message above the handshake frame limit', () => rawWs(l.url, (ws) => ws.send(rng.bytes(rng.range(513, 70_000))), within)],
      [
        'a ping flood, then a random frame',
        () =>
          rawWs(
            l.url,
            (ws) => {
              for (let i = rng.range(10, 500); i > 0; i--) ws.ping(rng.bytes(rng.int(100)))
              ws.send(hostileFrames.randomFrame(rng, 300))
            },
            within,
          ),
      ],
      // FIN + binary, unmasked (clients must mask): a protocol error for the ws layer
      ['an unmasked client frame', () => rawUpgrade(l.address.port, Uint8Array.of(0x82, 0x03, 1, 2, 3), within)],
      // RSV1 set without an extension, masked
      ['a frame with a reserved bit set', () => rawUpgrade(l.address.port, Uint8Array.of(0xc2, 0x83, 0, 0, 0, 0, 1, 2, 3), within)],
      ['random bytes after the upgrade', () => rawUpgrade(l.address.port, rng.bytes(rng.range(1, 500)), within)],
      [
        'HTTP garbage instead of an upgrade',
        async () => {
          const s = netConnect({ host: '127.0.0.1', port: l.address.port })
          s.on('error', () => {})
          s.resume()
          const closed = new Promise<'closed'>((r) => s.once('close', () => r('closed')))
          s.write(rng.bytes(rng.range(1, 2_000)))
          s.write('\r\n\r\n')
          const r = await Promise.race([closed, wait(within)])
          s.destroy()
          return r
        },
      ],
    ]
    const runs: Promise<void>[] = []
    for (let round = 0; round < 3; round++) {
      for (const [name, run] of cases) {
        runs.push(
          run().then((r) => {
            if (r === 'open') problems.push(`${name}: the server kept the connection open for ${within} ms`)
          }),
        )
      }
    }
    await Promise.all(runs)
    return problems
  },
}

// Seeded hostile peers against a real server on 127.0.0.1 over WebSocket while a good client
// keeps calling (KP_FUZZ_SEED replays a run, KP_FUZZ_VERBOSE=1 prints what each phase did).
runFuzzSuite({
  name: 'WebSocket',
  reliable: true,
  listen: () => wsListener({ port: 0, host: '127.0.0.1' }),
  connector: (l) => wsConnector((l as WsListener).url),
  extraPhases: [wsLevel],
})
