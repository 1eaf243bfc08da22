import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../../../scripts/test/chromium.js'

// The browser entry's asynchronous curve calls in a real browser (Chromium has X25519 and
// Ed25519 in WebCrypto): byte-equal to the vectors and to every other engine's verdicts, both on
// WebCrypto and on @noble/curves loaded on first use (a split chunk, as an app bundler makes it).
describe('web engine in Chromium', () => {
  let browser: Browser | undefined
  afterAll(async () => {
    await browser?.close()
  })

  it('x25519Exchange and verifyAsync on WebCrypto, then on the lazy @noble/curves chunk: all vectors and edge cases', async () => {
    const out = await build({
      entryPoints: [fileURLToPath(new URL('./browser/async-curves-page.ts', import.meta.url))],
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      conditions: ['browser'],
      outdir: '/page',
      write: false,
      logLevel: 'silent',
    })
    const files = new Map(out.outputFiles.map((f) => [f.path.slice('/page'.length), f.text]))
    const entry = [...files.keys()].find((f) => f.startsWith('/async-curves-page'))!
    const curvesChunk = [...files.keys()].find((f) => f.startsWith('/curves-'))
    expect(curvesChunk, 'the dynamic import of @noble/curves is its own chunk').toBeDefined()
    const requested: string[] = []
    const http = createServer((req, res) => {
      requested.push(req.url ?? '')
      const body = files.get(req.url ?? '')
      if (body !== undefined) res.writeHead(200, { 'content-type': 'text/javascript' }).end(body)
      else res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><script type="module" src="${entry}"></script>`)
    })
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
    try {
      browser = await launchChromium(chromium)
      const tab = await browser.newPage()
      const errors: string[] = []
      tab.on('pageerror', (e) => errors.push(e.message))
      await tab.goto(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`)
      await tab.waitForFunction(() => document.body?.dataset.result !== undefined, undefined, { timeout: 30_000 })
      const result = JSON.parse((await tab.evaluate(() => document.body.dataset.result))!)
      expect(errors).toEqual([])
      expect(result.error).toBeUndefined()
      expect(result.syncBeforeLoad).toBe('kp.CurvesNotLoaded')
      expect(result.webcryptoInfo).toEqual({ x25519: 'WebCrypto', ed25519: 'WebCrypto' })
      expect(result.webcrypto.failures).toEqual([])
      expect(result.webcrypto.checks).toBeGreaterThan(60)
      expect(result.nobleInfo).toEqual({ x25519: '@noble/curves', ed25519: '@noble/curves' })
      expect(result.noble.failures).toEqual([])
      expect(result.noble.checks).toBe(result.webcrypto.checks)
      expect(result.syncVerify).toBe(true)
      expect(requested).toContain(curvesChunk) // fetched when the checks without WebCrypto ran
    } finally {
      http.close()
    }
  })
})
