import { createSocket } from 'node:dgram'
import { afterEach, describe, expect, it } from 'vitest'
import { api, client, startServer } from './support/kilo.js'

const cleanup: (() => Promise<unknown> | unknown)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

describe('a HELLO spoofed from a client address', () => {
  it('sent between the victim HELLO and its FINISH does not take the FINISH: the victim connects', async () => {
    const s = await startServer()
    cleanup.push(() => s.close())
    const serverPort = s.listener.address.port
    // The victim reaches the server only through this relay, so the server sees the victim's
    // datagrams and the spoofed HELLO come from one address (the relay's).
    const relay = createSocket('udp4')
    await new Promise<void>((r) => relay.bind(0, '127.0.0.1', r))
    cleanup.push(() => new Promise<void>((r) => relay.close(() => r())))
    let victimPort = 0
    let victimHello: Buffer | null = null
    let heldWelcome: Buffer | null = null
    let spoofWelcomes = 0
    const toServer = (b: Uint8Array) => relay.send(b, serverPort, '127.0.0.1')
    const toVictim = (b: Uint8Array) => relay.send(b, victimPort, '127.0.0.1')
    relay.on('message', (msg, rinfo) => {
      if (rinfo.port !== serverPort) {
        victimPort = rinfo.port
        if (msg[0] === 1) victimHello ??= Buffer.from(msg)
        toServer(msg)
        return
      }
      if (msg[0] === 2 && heldWelcome === null) {
        // the victim's WELCOME: hold it, and slip a different HELLO from the same address in first
        heldWelcome = Buffer.from(msg)
        const spoof = Buffer.from(victimHello!)
        crypto.getRandomValues(spoof.subarray(2, 34)) // another ephemeral key: another handshake
        toServer(spoof)
        return
      }
      if (msg[0] === 2 && !msg.equals(heldWelcome!)) {
        // the server answered the spoofed HELLO: it now has two handshakes for this address.
        // Drop that answer (the spoofer cannot read it) and let the victim go on.
        spoofWelcomes++
        toVictim(heldWelcome!)
        return
      }
      toVictim(msg)
    })

    const c = client({ host: '127.0.0.1', port: relay.address().port }, { handshakeTimeoutMs: 5_000 })
    cleanup.push(() => c.close())
    expect(await c.call(api.echo, 'still me')).toBe('still me')
    expect(spoofWelcomes).toBe(1)
    // the victim's session is established; the spoofed handshake waits beside it for its timeout
    expect(s.sessionCount).toBe(1)
    expect(s.listener.sessions).toBe(2)
    expect(s.listener.pendingHandshakes).toBe(1)
  })
})
