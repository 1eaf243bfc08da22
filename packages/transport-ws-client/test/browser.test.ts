import { mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bp, command, KiloInterface, type KiloError, serve, SigningKey, stream } from '@kp/core'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { api } from './browser/api.js'
import { bundle } from '../../../scripts/test/browser-bundle.js'
import { pageServer } from './browser/page-server.js'
import { testListener } from './test-listener.js'
import { launchChromium } from '../../../scripts/test/chromium.js'

const here = dirname(fileURLToPath(import.meta.url))

/** A bundle must not pull Node built-ins or the `ws` package. */
function expectBrowserClean(code: string, what: string) {
  for (const bad of ['from "ws"', "from 'ws'", 'require("ws")', "require('ws')", '"node:', "'node:", 'WebSocketServer']) {
    expect(code.includes(bad), `${what} contains ${bad}`).toBe(false)
  }
}

describe('browser bundles', () => {
  it('the browser build of @kp/transport-ws-client alone has no ws and no node: imports', async () => {
    const code = await bundle({ stdin: { contents: `export * from '@kp/transport-ws-client'`, resolveDir: here } })
    expectBrowserClean(code, 'the @kp/transport-ws-client bundle')
    expect(code).toContain('globalThis')
  })
})

describe('in a real browser (Chromium via playwright-core)', () => {
  let browser: Browser | undefined

  afterAll(async () => {
    await browser?.close()
  })

  it('connects, pins the key, calls both ways, streams and uploads through a sink, and shows the token', async () => {
    // Never skip: without Chromium this test fails and says how to get it.
    browser = await launchChromium(chromium)
    const page = await bundle({ entry: join(here, 'browser/page.ts') })
    expectBrowserClean(page, 'the page bundle')

    // One HTTP server: the page, its script, and the Kiloparsec endpoint at /kp.
    const http = pageServer(page, '<title>kp browser test</title><h1>Kiloparsec over WebSocket</h1>')
    const listener = await testListener({ server: http })
    const key = SigningKey.generate()
    const other = SigningKey.generate()
    const serverTokens: string[] = []
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
    let numbersFinally = 0
    const iface = new KiloInterface()
      .on(api.numbers, async function* (n) {
        try {
          for (let i = 0; n === 0 || i < n; i++) yield i
        } finally {
          numbersFinally++
        }
      })
      .on(api.upload, async (name, items) => {
        let total = BigInt(name.length)
        for await (const b of items) total += BigInt(b.length)
        return total
      })
      .on(api.add, ({ a, b }) => a + b)
      .on(api.echoBytes, (b) => b)
      .on(api.askBack, (text, ctx) => ctx.call(api.shout, text))
      .on(api.serverToken, (_, ctx) => {
        serverTokens.push(hex(ctx.token))
        return hex(ctx.token)
      })
    const server = serve(listener, iface, { key })
    try {
      const tab = await browser.newPage()
      const consoleLines: string[] = []
      tab.on('console', (m) => consoleLines.push(m.text()))
      tab.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`))
      const query = `serverId=${key.publicKey.toHex()}&otherId=${other.publicKey.toHex()}`
      await tab.goto(`http://127.0.0.1:${listener.address.port}/?${query}`)
      const status = await tab
        .locator('#status')
        .textContent({ timeout: 15_000 })
        .catch(() => null)
      expect(status, `page did not finish; console:\n${consoleLines.join('\n')}`).toBe('done')
      const results = JSON.parse((await tab.locator('#results').textContent())!)
      const token = await tab.locator('#token').textContent()
      await mkdir(join(here, '../test-results'), { recursive: true })
      await tab.screenshot({ path: join(here, '../test-results/browser.png'), fullPage: true })

      expect(results.remoteId).toBe(key.publicKey.toHex())
      expect(results.sum).toBe(42)
      expect(results.bigEcho).toBe(true)
      expect(results.askBack).toBe('HELLO FROM THE SERVER')
      expect(results.shouted).toEqual(['hello from the server'])
      expect(token).toMatch(/^[0-9a-f]{64}$/)
      expect(results.token).toBe(token)
      expect(results.serverToken).toBe(token)
      expect(serverTokens).toEqual([token])
      expect(results.streamCount).toBe(2000)
      expect(results.streamOrdered).toBe(true)
      expect(results.afterBreak).toBe(10)
      expect(results.viaReadable).toEqual([0, 1, 2])
      expect(results.uploaded).toBe(String(1_048_576 + 'file.bin'.length))
      // the endless stream's generator was finished by the break (the other two ended by themselves)
      expect(numbersFinally).toBe(3)
      expect(results.wrongPin).toBe('kp.Handshake')
      expect(results.finalState).toBe('closed')
      await tab.close()
    } finally {
      await server.close()
      await listener.close()
    }
  })
  it("the minimal client (test/minimal/client.ts, what bundle-size.test.ts measures) answers, and refuses the server's calls and streams without their code", async () => {
    browser ??= await launchChromium(chromium)
    const page = await bundle({ entry: join(here, 'minimal/client.ts') })
    expectBrowserClean(page, 'the minimal client bundle')
    // neither the stream code nor the handler machinery is in it
    expect(page).not.toContain('beyond the credit granted')
    expect(page).not.toContain('calls in flight')
    const http = pageServer(page, '<body>waiting</body>')
    const listener = await testListener({ server: http })
    const key = SigningKey.generate()
    const show = command('client.show', bp.string, bp.string)
    const ticks = stream('client.ticks', bp.u32, bp.u32)
    const refusals: string[] = []
    const iface = new KiloInterface().on(command('ping', bp.string, bp.string), async (s, ctx) => {
      // the page serves nothing: its session answers a call and a stream with kp.UnknownCommand
      await ctx.call(show, 'x').catch((e: KiloError) => refusals.push(`call: ${e.code}`))
      try {
        for await (const _ of ctx.stream(ticks, 3)) refusals.push('an item')
      } catch (e) {
        refusals.push(`stream: ${(e as KiloError).code}`)
      }
      return `pong: ${s}`
    })
    const server = serve(listener, iface, { key })
    try {
      const tab = await browser.newPage()
      const errors: string[] = []
      tab.on('pageerror', (e) => errors.push(e.message))
      await tab.goto(`http://127.0.0.1:${listener.address.port}/?serverId=${key.publicKey.toHex()}`)
      await tab.waitForFunction(() => document.body.textContent !== 'waiting', undefined, { timeout: 15_000 })
      expect(await tab.locator('body').textContent(), errors.join('\n')).toBe('pong: hello')
      expect(refusals).toEqual(['call: kp.UnknownCommand', 'stream: kp.UnknownCommand'])
      await tab.close()
    } finally {
      await server.close()
      await listener.close()
    }
  })
})
