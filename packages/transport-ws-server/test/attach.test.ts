import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { wsConnector } from '@kp/transport-ws-client'
import { describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { client, echoServer, pattern, sameBytes } from './helpers.js'

/** An app's own HTTP server: serves a page at `/`. */
async function appServer() {
  const server = createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end('<!doctype html><title>app</title><h1>hello</h1>')
    } else {
      res.writeHead(404).end()
    }
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    server,
    port,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    },
  }
}

async function status(url: string, protocols: string[] = ['kp1']): Promise<number> {
  const ws = new WebSocket(url, protocols)
  ws.on('error', () => {})
  const [, res] = await once(ws, 'unexpected-response')
  ws.terminate()
  return res.statusCode
}

describe('attached to an existing HTTP server', () => {
  it('serves the page and the endpoint on one port', async () => {
    await using app = await appServer()
    await using s = await echoServer({ server: app.server })
    expect(s.listener.address.port).toBe(app.port)
    expect(s.listener.url).toBe(`ws://127.0.0.1:${app.port}/kp`)
    const page = await fetch(`http://127.0.0.1:${app.port}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/text\/html/)
    expect(await page.text()).toMatch(/<h1>hello<\/h1>/)
    const c = await client(s.listener.url)
    expect(sameBytes(await c.echo(pattern(70_000)), pattern(70_000))).toBe(true)
    c.transport.close()
  })

  it('uses the configured path and refuses other upgrade paths with 404 when nobody else takes them', async () => {
    await using app = await appServer()
    await using s = await echoServer({ server: app.server, path: '/rpc/v1' })
    expect(await status(`ws://127.0.0.1:${app.port}/kp`)).toBe(404)
    const c = await client(s.listener.url)
    expect(s.listener.url).toBe(`ws://127.0.0.1:${app.port}/rpc/v1`)
    expect(sameBytes(await c.echo(pattern(10)), pattern(10))).toBe(true)
    c.transport.close()
  })

  it('leaves upgrades on other paths to another upgrade handler of the same server', async () => {
    await using app = await appServer()
    await using s = await echoServer({ server: app.server })
    const chat = new WebSocketServer({ noServer: true })
    app.server.on('upgrade', (req, socket, head) => {
      if (req.url === '/chat') chat.handleUpgrade(req, socket, head, (ws) => ws.send('welcome'))
    })
    const other = new WebSocket(`ws://127.0.0.1:${app.port}/chat`)
    const [message] = await once(other, 'message')
    expect(String(message)).toBe('welcome')
    const c = await client(s.listener.url)
    expect(sameBytes(await c.echo(pattern(10)), pattern(10))).toBe(true)
    other.close()
    c.transport.close()
    chat.close()
  })

  it('close() detaches the endpoint but leaves the app server running', async () => {
    await using app = await appServer()
    const s = await echoServer({ server: app.server })
    const c = await client(s.listener.url)
    await s.listener.close()
    const e = await wsConnector(s.listener.url)().catch((e) => e)
    expect(e.code).toBe('kp.ConnectionRefused')
    expect((await fetch(`http://127.0.0.1:${app.port}/`)).status).toBe(200)
    expect(sameBytes(await c.echo(pattern(10)), pattern(10))).toBe(true)
    c.transport.close()
    await c.closed
  })
})
