import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium, type Frame, type Page } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { bundle } from '../../../scripts/test/browser-bundle.js'
import { launchChromium } from '../../../scripts/test/chromium.js'
import { SigningKey } from '../src/index.js'

const here = dirname(fileURLToPath(import.meta.url))

async function results(where: Page | Frame): Promise<Record<string, any>> {
  const body = where.locator('body[data-status]')
  await body.waitFor({ state: 'attached', timeout: 15_000 })
  const status = await body.getAttribute('data-status')
  expect(status).toBe('done')
  return JSON.parse((await where.locator('#results').textContent())!)
}

describe('localStorageKnownServers in Chromium (playwright-core)', () => {
  let browser: Browser | undefined
  afterAll(async () => {
    await browser?.close()
  })

  it('records at first use, survives a reload, refuses a changed key with both ids, forgets; blocked storage is a clear error', async () => {
    browser = await launchChromium(chromium)
    const script = await bundle({ entry: join(here, 'browser/known-servers-page.ts') })
    expect(script).not.toMatch(/["']node:/)
    const html = (src: string) => `<!doctype html><meta charset="utf-8"><title>kp known servers</title><script type="module" src="${src}"></script>`
    const http = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x')
      if (url.pathname === '/page.js') {
        // the sandboxed frame has an opaque origin: its module script is a cross-origin fetch
        res.writeHead(200, { 'content-type': 'text/javascript', 'access-control-allow-origin': '*' }).end(script)
      } else if (url.pathname === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html('/page.js'))
      } else if (url.pathname === '/host') {
        res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end('<!doctype html><iframe sandbox="allow-scripts" src="/blocked?step=blocked"></iframe>')
      } else if (url.pathname === '/blocked') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html(`http://127.0.0.1:${(http.address() as AddressInfo).port}/page.js`))
      } else {
        res.writeHead(404).end()
      }
    })
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
    const a = SigningKey.generate().publicKey
    const b = SigningKey.generate().publicKey
    try {
      const tab = await browser.newPage()
      const errors: string[] = []
      tab.on('pageerror', (e) => errors.push(e.message))
      const query = `a=${a.toHex()}&b=${b.toHex()}`

      await tab.goto(`${base}/?step=1&${query}`)
      const r1 = await results(tab)
      expect(r1.first).toBe('recorded')
      expect(r1.again).toBe('known')
      expect(r1.changed).toMatchObject({ code: 'kp.KnownServerChanged', mismatch: true, name: 'KnownServerMismatchError' })
      expect(r1.changed.message).toContain(a.toString())
      expect(r1.changed.message).toContain(b.toString())
      expect(r1.changed.message).toContain('localStorage key "kp.known-server:example.com:4000"')
      expect(r1.stored).toBe(a.toBase64url())
      expect(r1.beforeReady).toBeNull()
      expect(r1.confirmed).toBe('recorded')
      expect(r1.afterReady).toBe(b.toBase64url())

      // a reload: a new page and a new store read the same records
      await tab.goto(`${base}/?step=2&${query}`)
      const r2 = await results(tab)
      expect(r2.known).toBe('known')
      expect(r2.changed).toMatchObject({ code: 'kp.KnownServerChanged', mismatch: true })
      expect(r2.verifyOther).toMatchObject({ code: 'kp.KnownServerChanged', mismatch: true })
      expect(r2.verifyOther.message).toContain(b.toString()) // on record
      expect(r2.forgot).toBe(true)
      expect(r2.recordedNew).toBe('recorded')
      expect(r2.keys).toEqual(['kp.known-server:example.com:4000', 'kp.known-server:wss://example.com/kp'])

      // a sandboxed frame without allow-same-origin: reading localStorage throws a SecurityError
      await tab.goto(`${base}/host`)
      const frame = await (async () => {
        for (let i = 0; i < 150; i++) {
          const f = tab.frames().find((x) => x.url().includes('/blocked'))
          if (f) return f
          await new Promise((r) => setTimeout(r, 100))
        }
        throw new Error('the sandboxed frame did not load')
      })()
      const r3 = await results(frame)
      expect(r3.blocked).toMatchObject({ code: 'kp.KnownServers', storeError: true })
      expect(r3.blocked.message).toMatch(/localStorage is not available here \(access refused: .*sandboxed/)
      expect(errors).toEqual([])
      await tab.close()
    } finally {
      await new Promise((r) => http.close(r))
    }
  }, 60_000)
})
