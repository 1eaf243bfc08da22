import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { bp, command, HandshakeError, KiloInterface, SigningKey } from '@kp/core'
import { connectWs } from '@kp/transport-ws-client'
import { describe, expect, it } from 'vitest'
import { REFUSE_MARGIN } from '../src/connection-limits.js'
import { createWsServer } from '../src/index.js'

const cmdAdd = command('add', bp.struct({ a: bp.int, b: bp.int }), bp.int)
const cmdGreet = command('greet', bp.string, bp.string)
const cmdShout = command('shout', bp.string, bp.string)

const api = new KiloInterface().on(cmdAdd, ({ a, b }) => a + b).on(cmdGreet, async (name, ctx) => `server heard: ${await ctx.call(cmdShout, name)}`)

const clientIface = new KiloInterface().on(cmdShout, (s) => s.toUpperCase())

describe('createWsServer + connectWs', () => {
  it('serves an interface over WebSocket in one line, calls both ways', async () => {
    const key = SigningKey.generate()
    const server = await createWsServer(api, { port: 0, host: '127.0.0.1', key })
    try {
      expect(server.url).toBe(`ws://127.0.0.1:${server.address.port}/kp`)
      const client = connectWs(server.url, { serverId: key.publicKey, iface: clientIface })
      expect(await client.call(cmdAdd, { a: 2, b: 40 })).toBe(42)
      expect(await client.call(cmdGreet, 'ann')).toBe('server heard: ANN')
      expect(client.remoteId?.toHex()).toBe(key.publicKey.toHex())
      expect(server.sessionCount).toBe(1)
      await client.close()
    } finally {
      await server.close()
    }
  })

  it('shares a port with an app that serves pages', async () => {
    const http = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><p>app page</p>')
    })
    http.listen(0, '127.0.0.1')
    await once(http, 'listening')
    const { port } = http.address() as AddressInfo
    const key = SigningKey.generate()
    const server = await createWsServer(api, { server: http, path: '/rpc', key })
    try {
      const page = await fetch(`http://127.0.0.1:${port}/`)
      expect(await page.text()).toMatch(/app page/)
      expect(server.url).toBe(`ws://127.0.0.1:${port}/rpc`)
      const client = connectWs(server.url, { serverId: key.publicKey.toHex(), iface: clientIface })
      expect(await client.call(cmdAdd, { a: 1, b: 1 })).toBe(2)
      await client.close()
    } finally {
      await server.close()
      expect(http.listening).toBe(true)
      http.closeAllConnections()
      await new Promise((r) => http.close(r))
    }
  })

  it('closes its own listener when serve refuses its options', async () => {
    const e = await createWsServer(api, { port: 0, host: '127.0.0.1' } as never).catch((e) => e)
    expect(e).toBeInstanceOf(TypeError)
  })

  it('a client beyond maxConnections learns the server is full (REJECT 4) and is logged once', async () => {
    const key = SigningKey.generate()
    const warnings: string[] = []
    const server = await createWsServer(api, { port: 0, host: '127.0.0.1', key, maxConnections: 1, logger: { warn: (m) => warnings.push(m) } })
    try {
      const a = connectWs(server.url, { serverId: key.publicKey, reconnect: false })
      await a.ready()
      for (let i = 0; i < 2; i++) {
        const b = connectWs(server.url, { serverId: key.publicKey, reconnect: false })
        const e = await b.ready().catch((x) => x)
        expect(HandshakeError.isInstance(e) && e.check).toBe('full')
        expect(String(e.message)).toMatch(/server is full \(REJECT 4/)
        await b.close()
      }
      expect(server.refusedFullCount).toBe(2)
      expect(warnings.filter((w) => w.startsWith('server full'))).toHaveLength(1)
      await a.close()
    } finally {
      await server.close()
    }
  })

  it('passes the listener limits on to its listener', async () => {
    const server = await createWsServer(api, {
      port: 0,
      host: '127.0.0.1',
      key: SigningKey.generate(),
      maxConnections: 3,
      upgradeTimeoutMs: 4_000,
      maxHeaderSize: 8_192,
    })
    try {
      // beyond 3 the listener answers REJECT full; the server drops beyond 3 + REFUSE_MARGIN
      expect(server.httpServer.maxConnections).toBe(3 + REFUSE_MARGIN)
      expect(server.httpServer.headersTimeout).toBe(4_000)
      expect((server.httpServer as unknown as { maxHeaderSize: number }).maxHeaderSize).toBe(8_192)
    } finally {
      await server.close()
    }
  })
})
