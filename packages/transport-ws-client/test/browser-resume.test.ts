import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { KiloInterface, serve, SigningKey, silentLogger } from '@kp/core'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../../../scripts/test/chromium.js'
import { api } from './browser/api.js'
import { bundle } from '../../../scripts/test/browser-bundle.js'
import { pageServer } from './browser/page-server.js'
import { testListener } from './test-listener.js'

const here = dirname(fileURLToPath(import.meta.url))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('resumable sessions in a real browser (Chromium via playwright-core)', () => {
  let browser: Browser | undefined
  afterAll(async () => {
    await browser?.close()
  })

  it('the server kills the WebSocket mid-flight: the page resumes, every call answered once, the stream in order', async () => {
    browser = await launchChromium(chromium)
    const page = await bundle({ entry: join(here, 'browser/resume-page.ts') })
    const http = pageServer(page, '<title>kp resume</title>')
    const listener = await testListener({ server: http })
    const key = SigningKey.generate()
    const runs = new Uint8Array(1000)
    let killed = false
    const sessions: unknown[] = []
    const iface = new KiloInterface()
      .on(api.add, async ({ a, b }) => {
        runs[a]!++
        // a quarter of the calls in: the server drops the socket under the rest
        if (a === 250 && !killed) {
          killed = true
          ;(sessions[0] as { link: { transport: { close(): void } } }).link.transport.close()
        }
        await sleep(a % 20)
        return a + b
      })
      .on(api.numbers, async function* (n) {
        for (let i = 0; i < n; i++) {
          if (i % 100 === 0) await sleep(1)
          yield i
        }
      })
      .onConnected((ctx) => void sessions.push(ctx))
    const server = serve(listener, iface, { key, resume: true, logger: silentLogger })
    const serverEvents: string[] = []
    server.on('sessionInterrupted', () => serverEvents.push('interrupted'))
    server.on('sessionResumed', () => serverEvents.push('resumed'))
    try {
      const tab = await browser.newPage()
      const consoleLines: string[] = []
      tab.on('console', (m) => consoleLines.push(m.text()))
      tab.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`))
      await tab.goto(`http://127.0.0.1:${listener.address.port}/?serverId=${key.publicKey.toHex()}`)
      const status = await tab
        .locator('#status')
        .textContent({ timeout: 30_000 })
        .catch(() => null)
      expect(status, `page did not finish; console:\n${consoleLines.join('\n')}`).toBe('done')
      const results = JSON.parse((await tab.locator('#results').textContent())!)
      expect(killed).toBe(true)
      expect(results).toMatchObject({
        failures: [],
        answered: 1000,
        streamCount: 2000,
        streamOrdered: true,
        events: ['interrupted', 'resumed'],
        state: 'connected',
      })
      expect(await tab.locator('#banner').textContent()).toBe('reconnecting…')
      expect(runs.every((r) => r === 1)).toBe(true)
      expect(sessions.length).toBe(1)
      expect(serverEvents).toEqual(['interrupted', 'resumed'])
      await tab.close()
    } finally {
      await server.close()
      await listener.close()
    }
  })
})
