import * as bp from '@kp/bipack'
import { SigningKey } from '@kp/crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { command, connect, KiloInterface, memoryPair, serve, type Transport, type TransportListener } from '../src/index.js'
import { encodeHello } from '../src/protocol/handshake-frames.js'
import { HandshakeLimits } from '../src/server/handshake-limits.js'
import { peerKey } from '../src/server/peer-address.js'

describe('peerKey', () => {
  it.each([
    ['1.2.3.4:5000', false, '1.2.3.4'],
    ['1.2.3.4:5000', true, '1.2.3.0/24'],
    ['[::1]:80', false, '::1'],
    ['[2001:db8:0:1:2:3:4:5]:80', true, '2001:db8:0:1::/64'],
    ['[2001:db8::5]:80', true, '2001:db8:0:0::/64'],
    ['[::ffff:10.0.0.7]:9', false, '10.0.0.7'],
    ['[::ffff:10.0.0.7]:9', true, '10.0.0.0/24'],
    ['memory:12', false, 'memory'],
  ])('%s (prefix %s) → %s', (addr, prefix, key) => {
    expect(peerKey(addr, prefix)).toBe(key)
  })
})

describe('HandshakeLimits (issue 14 finding 3)', () => {
  const make = (now = () => 0) =>
    new HandshakeLimits({ maxHalfOpen: 100, maxHalfOpenPerAddress: 10, handshakesPerSecondPerAddress: 20, handshakeBudgetPerSecond: 50, now })
  const A = {}
  const B = {}

  it('each listener has its own pool: a full pool on one does not refuse the other', () => {
    const l = make()
    let t = 0
    l.options.handshakeBudgetPerSecond = 1e9
    for (let i = 0; i < 100; i++) {
      const addr = `10.0.${i}.1:1`
      expect(l.judge(A, addr, true, false)).toBe('accept')
      l.enter(A, addr, true, false)
      t++
    }
    expect(l.judge(A, '10.9.9.9:1', true, false)).toBe('busy')
    expect(l.judge(B, '10.9.9.9:1', true, false)).toBe('accept')
    expect(t).toBe(100)
  })

  it('one address takes at most its share once the pool is half full', () => {
    const l = make()
    l.options.handshakeBudgetPerSecond = 1e9
    l.options.handshakesPerSecondPerAddress = 1e9
    let accepted = 0
    for (let i = 0; i < 100; i++) {
      if (l.judge(A, '6.6.6.6:1', true, false) !== 'accept') break
      l.enter(A, '6.6.6.6:1', true, false)
      accepted++
    }
    // below half the pool the address may grow; from half full on, its share (10) is spent
    expect(accepted).toBe(50)
    expect(l.judge(A, '7.7.7.7:1', true, false)).toBe('accept')
  })

  it('unproven datagram HELLOs get a cookie, by /24, and have their own pool', () => {
    const l = make()
    l.options.handshakeBudgetPerSecond = 1e9
    l.options.handshakesPerSecondPerAddress = 1e9
    for (let i = 0; i < 100; i++) {
      const addr = `9.9.9.${i}:1` // one /24, spoofed sources
      if (l.judge(A, addr, false, false) === 'accept') l.enter(A, addr, false, false)
    }
    expect(l.judge(A, '9.9.9.200:1', false, false)).toBe('cookie')
    // a HELLO whose cookie proved its address uses the other pool
    expect(l.judge(A, '9.9.9.200:1', false, true)).toBe('accept')
    // and streams are never sent cookies
    expect(l.judge(B, '9.9.9.200:1', true, false)).toBe('accept')
  })

  it('per-address rates apply only while the server is over its handshake budget', () => {
    let now = 0
    const l = make(() => now)
    // 20 a second per address is fine while the server does fewer than 50 a second in all
    let ok = 0
    for (let i = 0; i < 45; i++) if (l.judge(A, '5.5.5.5:1', true, false) === 'accept') ok++
    expect(ok).toBe(45)
    for (let i = 0; i < 10; i++) l.judge(A, `8.8.8.${i}:1`, true, false)
    expect(l.judge(A, '5.5.5.5:1', true, false)).toBe('busy') // over budget, no tokens left
    expect(l.judge(A, '4.4.4.4:1', true, false)).toBe('accept') // a fresh address has its burst
    now += 2000
    expect(l.judge(A, '5.5.5.5:1', true, false)).toBe('accept')
  })

  it('the peer table stays bounded when addresses are cycled', () => {
    const l = make()
    l.options.handshakeBudgetPerSecond = 1e9
    for (let i = 0; i < 200_000; i++) l.judge(A, `${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}.1:1`, true, false)
    expect(l.peerEntries).toBeLessThanOrEqual(65_536)
  })
})

describe('one peer holding half-open handshakes does not lock others out (issue 14 finding 3)', () => {
  const key = SigningKey.generate()
  const echo = command('echo', bp.string, bp.string)
  const cleanups: (() => unknown)[] = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  /** A listener whose connections come from the address the test names. */
  function addressedListener(reliable: boolean) {
    let accept: ((t: Transport) => void) | null = null
    const listener: TransportListener = {
      address: { host: 'test', port: 1 },
      onConnection: (cb) => void (accept = cb),
      close: async () => {},
    }
    const connectFrom = (address: string): Transport => {
      const [client, server] = memoryPair({ reliable })
      Object.defineProperty(server, 'remoteAddress', { value: address })
      accept!(server)
      return client
    }
    return { listener, connectFrom }
  }

  it('1 030 half-open handshakes from one TCP-like peer: a client from another address still connects', async () => {
    const tcp = addressedListener(true)
    const udp = addressedListener(false)
    const s = serve(
      [tcp.listener, udp.listener],
      new KiloInterface().on(echo, (x) => x),
      { key },
    )
    cleanups.push(() => s.close())
    const hostile: Transport[] = []
    let refused = 0
    let answered = 0
    for (let i = 0; i < 1030; i++) {
      const t = tcp.connectFrom('6.6.6.6:1000')
      t.setHandlers({
        frame: (f) => {
          answered++
          if (f[0] === 5) refused++
        },
        close: () => {},
      })
      t.send(encodeHello(new Uint8Array(32).fill((i % 250) + 1)))
      hostile.push(t)
    }
    // spoofed UDP HELLOs from many sources fill only the UDP listener's unproven pool
    for (let i = 0; i < 1100; i++) {
      const t = udp.connectFrom(`7.7.${i >> 8}.${i & 255}:53`)
      t.setHandlers({ frame: () => {}, close: () => {} })
      t.send(encodeHello(new Uint8Array(32).fill((i % 250) + 1)))
    }
    for (let i = 0; i < 200 && answered < 1030; i++) await new Promise((r) => setTimeout(r, 25))
    expect(answered).toBe(1030)
    // the peer keeps half the TCP pool at most; the rest is refused with REJECT busy
    expect(refused).toBe(1030 - 512)
    expect(s.halfOpenCount).toBeLessThanOrEqual(512 + 1024)
    const c = connect(async () => tcp.connectFrom('1.1.1.1:2000'), { serverId: key.publicKey, reconnect: false })
    cleanups.push(() => c.close())
    expect(await c.call(echo, 'in', { timeoutMs: 2000 })).toBe('in')
    for (const t of hostile) t.close()
  })
})
