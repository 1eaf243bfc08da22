import { SigningKey } from '@kp/crypto'
import * as bp from '@kp/bipack'
import { afterEach, describe, expect, it } from 'vitest'
import { command, connect, type Connector, HandshakeError, KiloInterface, memoryConnector, memoryListener, serve, type Transport } from '../src/index.js'
import { encodeReject, encodeWelcome } from '../src/protocol/handshake-frames.js'
import { FrameType, RejectCode } from '../src/protocol/constants.js'

const key = SigningKey.generate()
const echo = command('echo', bp.string, bp.string)
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A connector whose transport receives `forged` frames, as if spoofed from the server's address, right after HELLO. */
function spoofing(inner: Connector, forged: () => Uint8Array[]): Connector {
  return async (signal) => {
    const t = await inner(signal)
    let deliver: ((f: Uint8Array) => void) | null = null
    let injected = false
    const wrapped: Transport = {
      get reliable() {
        return t.reliable
      },
      get maxFrame() {
        return t.maxFrame
      },
      get remoteAddress() {
        return t.remoteAddress
      },
      get bufferedAmount() {
        return t.bufferedAmount
      },
      send(f) {
        t.send(f)
        if (f[0] === FrameType.Hello && !injected) {
          injected = true
          for (const x of forged()) deliver?.(x)
        }
      },
      setHandlers(h) {
        deliver = (f) => h.frame(f)
        t.setHandlers(h)
      },
      close: (e) => t.close(e),
      established: () => t.established?.(),
      authenticated: () => t.authenticated?.(),
    }
    return wrapped
  }
}

async function datagramServer() {
  const l = await memoryListener({ reliable: false })
  const s = serve(
    l,
    new KiloInterface().on(echo, (x) => x),
    { key },
  )
  cleanups.push(() => s.close())
  return l.address.port
}

describe('on datagrams nothing unauthenticated is fatal (issue 14 finding 4)', () => {
  const cases: Record<string, () => Uint8Array[]> = {
    'a forged REJECT(1) unsupported version': () => [encodeReject(RejectCode.UnsupportedVersion, 'go away')],
    'a forged WELCOME with a low-order key': () => [encodeWelcome(new Uint8Array(32), new Uint8Array(112))],
    'a forged WELCOME that does not open': () => [encodeWelcome(new Uint8Array(32).fill(9), new Uint8Array(112).fill(1))],
    'a forged REJECT(2) busy': () => [encodeReject(RejectCode.Busy, 'busy')],
  }
  for (const [name, forged] of Object.entries(cases)) {
    it(`${name} before the real WELCOME: the client still connects`, async () => {
      const port = await datagramServer()
      const client = connect(spoofing(memoryConnector(port), forged), { serverId: key.publicKey, reconnect: false })
      cleanups.push(() => client.close())
      expect(await client.call(echo, 'hi', { timeoutMs: 3000 })).toBe('hi')
    })
  }

  it('with only forged answers the handshake times out (not fatal: the client reconnects), naming what it ignored', async () => {
    const l = await memoryListener({ reliable: false })
    // nothing answers: the listener swallows every transport
    l.onConnection(() => {})
    cleanups.push(() => l.close())
    const errors: Error[] = []
    const client = connect(
      spoofing(memoryConnector(l.address.port), () => [encodeReject(RejectCode.UnsupportedVersion, 'forged')]),
      {
        serverId: key.publicKey,
        handshakeTimeoutMs: 300,
        reconnect: { minDelayMs: 10, maxDelayMs: 10 },
      },
    )
    cleanups.push(() => client.close())
    client.on('error', (e) => errors.push(e))
    await new Promise((r) => setTimeout(r, 800))
    expect(client.state).not.toBe('closed')
    expect(errors.length).toBeGreaterThanOrEqual(2)
    const e = errors[0]!
    expect(HandshakeError.isInstance(e) && e.check).toBe('timeout')
    expect(e.message).toMatch(/ignored an unauthenticated answer: .*code 1/)
  })
})
