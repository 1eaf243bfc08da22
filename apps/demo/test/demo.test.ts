/**
 * The demo end to end: the server in a child process on free ports, the CLI client over every
 * transport, pushes across transports, pinning, and the page in Chromium.
 */
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { SigningKey } from '@kp/core'
import { adler32 } from '../src/api.js'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appDir, clientArgs, DemoServerProc, type Proc, runClient, startClient } from './support/processes.js'
import { launchChromium } from '../../../scripts/test/chromium.js'
import { tcpProxy } from './support/tcp-proxy.js'

let dataDir: string
let server: DemoServerProc
const children: Proc[] = []

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'kp-demo-'))
  server = await DemoServerProc.start(join(dataDir, 'data'))
}, 40_000)

afterAll(async () => {
  for (const c of children) c.kill()
  if (server) {
    const code = await server.stop()
    expect(code, `server output:\n${server.output}`).toBe(0)
    expect(server.stdout).toMatch(/stopped/)
  }
  await rm(dataDir, { recursive: true, force: true })
}, 20_000)

/** The token fingerprint a client printed (the server logs the same). */
function tokenFp(stdout: string): string {
  const m = stdout.match(/token fp\s+([0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4})/)
  expect(m, stdout).not.toBeNull()
  return m![1]!
}

describe('demo server', () => {
  it('prints its id and real ports, and keeps its key private on disk', async () => {
    const { info } = server
    expect(info.id).toMatch(/^[A-Za-z0-9_-]{43}$/)
    for (const port of [info.tcpPort, info.udpPort, info.httpPort]) expect(port).toBeGreaterThan(0)
    expect(info.pageUrl).toBe(`http://127.0.0.1:${info.httpPort}/?id=${info.id}`)
    expect(server.stdout).toMatch(/created now/)
    expect((await stat(join(dataDir, 'data'))).mode & 0o777).toBe(0o700)
    expect((await stat(join(dataDir, 'data/server.key'))).mode & 0o777).toBe(0o600)
  })

  it('serves the page and the WebSocket endpoint on one HTTP port', async () => {
    const base = `http://127.0.0.1:${server.info.httpPort}`
    const page = await fetch(`${base}/?id=${server.info.id}`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<script type="module" src="/main.js">')
    const js = await fetch(`${base}/main.js`)
    expect(js.headers.get('content-type')).toMatch(/javascript/)
    const code = await js.text()
    for (const bad of ['"node:', "'node:", 'WebSocketServer']) expect(code.includes(bad), `bundle contains ${bad}`).toBe(false)
    expect((await fetch(`${base}/kp`)).status).toBe(426)
    expect((await fetch(`${base}/nope`)).status).toBe(404)
  })
})

describe('CLI client', () => {
  it.each(['tcp', 'udp', 'ws'] as const)('over %s: ping, set-foo + get-foo, check; prints the token the server logs', async (transport) => {
    const r = await runClient([...clientArgs(server.info, transport), 'ping', 'hello', '+', 'set-foo', 'bar baz', '117', '+', 'get-foo', '+', 'check'])
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toMatch(new RegExp(`server id\\s+${server.info.id} \\(matches the pin`))
    expect(r.stdout).toMatch(/token\s+[0-9a-f]{64}\n/)
    expect(r.stdout).toMatch(/push\s+server push: hello/)
    expect(r.stdout).toMatch(/ping\s+pong: hello/)
    expect(r.stdout).toMatch(/get-foo\s+foo = "bar baz", 117/)
    expect(r.stdout).toMatch(new RegExp(`check\\s+connected over ${transport} from 127\\.0\\.0\\.1:\\d+`))
    // the same token on both ends: no one in the middle
    await server.waitFor(new RegExp(`\\+ ${transport} \\S+ connected, token ${tokenFp(r.stdout)}`), 5_000)
  })

  it('get-foo in a fresh session fails with the registered NotFound error (exit 1)', async () => {
    const r = await runClient([...clientArgs(server.info, 'udp'), 'get-foo'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/get-foo\s+error NotFound: foo is not yet set/)
  })

  it('a UDP listener gets a chat message sent over TCP; a TCP listener gets one sent over WebSocket', async () => {
    const udpListener = startClient([...clientArgs(server.info, 'udp'), 'listen', '--count', '1'])
    const tcpListener = startClient([...clientArgs(server.info, 'tcp'), 'listen', '--count', '1'])
    children.push(udpListener, tcpListener)
    await Promise.all([udpListener.waitFor(/waiting for pushes/, 15_000), tcpListener.waitFor(/waiting for pushes/, 15_000)])

    const fromTcp = await runClient([...clientArgs(server.info, 'tcp'), 'chat', 'alice', 'hello from tcp'])
    expect(fromTcp.code, fromTcp.stderr).toBe(0)
    expect(fromTcp.stdout).toMatch(/chat\s+sent as alice to \d+ connected client/)
    await udpListener.waitFor(/chat\s+\[tcp\] alice: hello from tcp/, 10_000)
    expect(await udpListener.exit(10_000)).toBe(0)

    // the TCP listener had --count 1: it exits on alice's message (pushes go to every client)...
    await tcpListener.waitFor(/chat\s+\[tcp\] alice: hello from tcp/, 10_000)
    expect(await tcpListener.exit(10_000)).toBe(0)
    // ...so a second one waits for a message from WebSocket
    const tcp2 = startClient([...clientArgs(server.info, 'tcp'), 'listen', '--count', '1'])
    children.push(tcp2)
    await tcp2.waitFor(/waiting for pushes/, 15_000)
    const fromWs = await runClient([...clientArgs(server.info, 'ws'), 'chat', 'bob', 'hello from ws'])
    expect(fromWs.code, fromWs.stderr).toBe(0)
    await tcp2.waitFor(/chat\s+\[ws\] bob: hello from ws/, 10_000)
    expect(await tcp2.exit(10_000)).toBe(0)
  })

  it('refuses a server whose id does not match the pin (exit 1) and says what to check', async () => {
    const wrong = SigningKey.generate().publicKey.toBase64url()
    for (const transport of ['udp'] as const) {
      const r = await runClient(clientArgs(server.info, transport, wrong).concat('ping', 'x'))
      expect(r.code, r.stdout + r.stderr).toBe(1)
      expect(r.stdout).not.toMatch(/pong/)
      expect(r.stderr).toMatch(/not the server you pinned/)
      expect(r.stderr).toContain(`pinned id (--server-id): ${wrong}`)
      expect(r.stderr).toContain(`the server's id:       ${server.info.id}`)
      expect(r.stderr).toMatch(/"server id" the demo server printed at start/)
      expect(r.stderr).toMatch(/--host\/--port/)
    }
  })

  it('reads the pin from the data directory when --server-id is left out, and says so when there is none', async () => {
    const port = ['--transport', 'tcp', '--port', String(server.info.tcpPort)]
    const ok = await runClient([...port, '--data-dir', join(dataDir, 'data'), 'ping', 'x'])
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toMatch(/matches the pin from .*server\.pub/)

    const empty = join(dataDir, 'empty')
    await mkdir(empty)
    const none = await runClient([...port, '--data-dir', empty, 'ping', 'x'])
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/no server id to pin: pass --server-id/)
  })

  it('exits 2 on a usage error and 1 when nothing listens', async () => {
    const [usage, closed] = await Promise.all([
      runClient(['--server-id', server.info.id, '--transport', 'smoke', 'ping', 'x']),
      runClient(['--server-id', server.info.id, '--transport', 'tcp', '--port', '1', 'ping', 'x']),
    ])
    expect(usage.code, usage.stderr).toBe(2)
    expect(usage.stderr).toMatch(/^error: --transport expected one of tcp, udp, ws, got "smoke"\nRun with --help/)
    expect(closed.code).toBe(1)
    expect(closed.stderr).toMatch(/cannot reach the demo server at tcp 127\.0\.0\.1:1: connection refused/)
  })
})

describe('browser page (Chromium)', () => {
  let browser: Browser | undefined

  beforeAll(async () => {
    browser = await launchChromium(chromium)
  }, 30_000)

  afterAll(async () => {
    await browser?.close()
  })

  it('without ?id= explains where to find the id', async () => {
    const page = await browser!.newPage()
    try {
      await page.goto(`http://127.0.0.1:${server.info.httpPort}/`)
      await page.locator('#banner:not([hidden])').waitFor({ timeout: 10_000 })
      expect(await page.locator('#banner').textContent()).toMatch(/No server id in the address.*“page” URL the demo server printed/s)
      expect(await page.locator('#state').getAttribute('data-state')).toBe('no id')
    } finally {
      await page.close()
    }
  })

  it('with the id of another server refuses to talk and says why', async () => {
    const page = await browser!.newPage()
    try {
      await page.goto(`http://127.0.0.1:${server.info.httpPort}/?id=${SigningKey.generate().publicKey.toBase64url()}`)
      await page.locator('#state[data-state="refused"]').waitFor({ timeout: 15_000 })
      expect(await page.locator('#state').textContent()).toBe('wrong server')
      expect(await page.locator('#banner').textContent()).toMatch(/This server is not the one in the link/)
      expect(await page.locator('#ping').isDisabled()).toBe(true)
    } finally {
      await page.close()
    }
  })

  it('connects, shows state, id and token, calls the commands and shows chat pushes live', async () => {
    const page = await browser!.newPage({ viewport: { width: 1180, height: 900 } })
    const problems: string[] = []
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`)
    })
    try {
      await page.goto(server.info.pageUrl)
      await page.locator('#state[data-state="connected"]').waitFor({ timeout: 15_000 })
      expect(await page.locator('#state').textContent()).toBe('connected')
      expect(await page.locator('#server-id').textContent()).toBe(server.info.id)
      const token = (await page.locator('#token').textContent())!
      expect(token).toMatch(/^[0-9a-f]{64}$/)
      const fp = (await page.locator('#token-fp').textContent())!
      await server.waitFor(new RegExp(`\\+ ws \\S+ connected, token ${fp}`), 5_000)

      const result = page.locator('#result')
      await page.locator('#ping').click()
      await page.locator('#result[data-kind="ok"]', { hasText: 'pong: hello' }).waitFor({ timeout: 10_000 })
      await page.locator('#pushes', { hasText: 'server push: hello' }).waitFor({ timeout: 10_000 })

      await page.locator('#get-foo').click()
      await page.locator('#result[data-kind="error"]').waitFor({ timeout: 10_000 })
      expect(await result.textContent()).toMatch(/^NotFound: foo is not yet set/)

      await page.locator('#foo-text').fill('from the browser')
      await page.locator('#foo-number').fill('42')
      await page.locator('#set-foo').click()
      await page.locator('#result[data-kind="ok"]', { hasText: 'foo set to' }).waitFor({ timeout: 10_000 })
      await page.locator('#get-foo').click()
      await page.locator('#result[data-kind="ok"]', { hasText: 'foo = "from the browser", 42' }).waitFor({ timeout: 10_000 })

      await page.locator('#check').click()
      await page.locator('#result[data-kind="ok"]', { hasText: 'connected over ws' }).waitFor({ timeout: 10_000 })

      // a chat message sent by a CLI client over TCP is pushed to the page
      const cli = await runClient([...clientArgs(server.info, 'tcp'), 'chat', 'carol', 'hi browser, from tcp'])
      expect(cli.code, cli.stderr).toBe(0)
      await page.locator('#chat-list li', { hasText: 'hi browser, from tcp' }).waitFor({ timeout: 10_000 })
      expect(await page.locator('#chat-list li', { hasText: 'hi browser, from tcp' }).textContent()).toMatch(/tcp\s*carol\s*hi browser/)

      // and one the page sends reaches a CLI client on TCP
      const listener = startClient([...clientArgs(server.info, 'tcp'), 'listen', '--count', '1'])
      children.push(listener)
      await listener.waitFor(/waiting for pushes/, 15_000)
      await page.locator('#chat-nick').fill('dana')
      await page.locator('#chat-text').fill('hello terminals')
      await page.locator('#chat-send').click()
      await listener.waitFor(/chat\s+\[ws\] dana: hello terminals/, 10_000)
      expect(await listener.exit(10_000)).toBe(0)
      await page.locator('#chat-list li', { hasText: 'hello terminals' }).waitFor({ timeout: 10_000 })

      await mkdir(join(appDir, 'test-results'), { recursive: true })
      await page.screenshot({ path: join(appDir, 'test-results/demo-page.png'), fullPage: true })
      expect(problems).toEqual([])
    } finally {
      await page.close()
    }
  })

  it('keeps its session and its chat across a network drop (the proxy in front restarts): interrupted, then resumed', async () => {
    const proxy = await tcpProxy(server.info.httpPort)
    const page = await browser!.newPage()
    const states: string[] = []
    await page.exposeFunction('recordState', (s: string) => void states.push(s))
    try {
      const query = server.info.pageUrl.slice(server.info.pageUrl.indexOf('?'))
      await page.goto(`http://127.0.0.1:${proxy.port}/${query}`)
      await page.locator('#state[data-state="connected"]').waitFor({ timeout: 15_000 })
      await page.evaluate(() => {
        const el = document.getElementById('state')!
        new MutationObserver(() => (window as unknown as { recordState(s: string): void }).recordState(el.dataset.state ?? '')).observe(el, {
          attributes: true,
        })
      })
      const fp = (await page.locator('#token-fp').textContent())!
      await server.waitFor(new RegExp(`\\+ ws \\S+ connected, token ${fp}`), 5_000)
      await page.locator('#chat-nick').fill('erin')
      await page.locator('#chat-text').fill('before the drop')
      await page.locator('#chat-send').click()
      await page.locator('#result[data-kind="ok"]', { hasText: 'sent to every client as erin' }).waitFor({ timeout: 10_000 })
      const before = server.output.length

      await proxy.restart(300)
      await server.waitFor(/~ ws \S+ interrupted/, 10_000)
      await server.waitFor(/~ ws \S+ resumed, token/, 15_000)
      await page.locator('#state[data-state="connected"]').waitFor({ timeout: 15_000 })
      expect(states).toContain('interrupted')
      expect(proxy.connections).toBeGreaterThanOrEqual(2)
      // the same session: no new "connected" line, and the nickname is still known to the server
      expect(server.output.slice(before)).not.toMatch(/\+ ws \S+ connected/)
      await page.locator('#chat-text').fill('after the drop')
      await page.locator('#chat-send').click()
      await page.locator('#chat-list li', { hasText: 'after the drop' }).waitFor({ timeout: 10_000 })
      expect(await page.locator('#chat-list li', { hasText: 'after the drop' }).textContent()).toMatch(/erin/)
      expect(await page.locator('#chat-list li', { hasText: 'before the drop' }).count()).toBe(1)
    } finally {
      await page.close()
      await proxy.close()
    }
  })

  it('subscribes to the live feed (a stream) and stops it, which ends the server generator', async () => {
    const page = await browser!.newPage()
    try {
      await page.goto(server.info.pageUrl)
      await page.locator('#state[data-state="connected"]').waitFor({ timeout: 15_000 })
      const before = server.output.length
      await page.locator('#feed-toggle').click()
      await page.locator('#feed-list li', { hasText: '#3' }).waitFor({ timeout: 10_000 })
      expect(await page.locator('#feed-list li').first().textContent()).toMatch(/#1\s*server time \d\d:\d\d:\d\d, \d+ online/)
      await server.waitFor(/feed: ws \S+ subscribed \(every 500 ms\)/, 5_000)
      await page.locator('#feed-toggle').click()
      await page.locator('#feed-status', { hasText: 'stopped' }).waitFor({ timeout: 5_000 })
      await server.waitFor(/feed: ws \S+ stopped after \d+ items/, 5_000)
      const items = await page.locator('#feed-list li').count()
      await new Promise((r) => setTimeout(r, 1200))
      expect(await page.locator('#feed-list li').count()).toBe(items) // nothing after the stop
      expect(server.output.slice(before)).toMatch(/subscribed[\s\S]*stopped after/)
      expect(await page.locator('#feed-toggle').textContent()).toBe('Subscribe')
    } finally {
      await page.close()
    }
  })

  it('uploads a file through a sink with a progress bar, and the server received every byte', async () => {
    const page = await browser!.newPage()
    try {
      await page.goto(server.info.pageUrl)
      await page.locator('#state[data-state="connected"]').waitFor({ timeout: 15_000 })
      const data = randomBytes(3 * 1024 * 1024 + 123)
      const sum = adler32(data).toString(16).padStart(8, '0')
      await page.locator('#upload-file').setInputFiles({ name: 'photo.raw', mimeType: 'application/octet-stream', buffer: data })
      await page.locator('#upload').click()
      await page.locator('#upload-result[data-kind="ok"]').waitFor({ timeout: 20_000 })
      expect(await page.locator('#upload-result').textContent()).toMatch(
        new RegExp(`^photo\\.raw: ${data.length} bytes in \\d+ items, adler-32 ${sum}, [\\d.]+ MiB/s$`),
      )
      expect(await page.locator('#upload-progress').evaluate((p: HTMLProgressElement) => p.value)).toBe(1)
      await server.waitFor(new RegExp(`upload: ws \\S+ sent "photo\\.raw", ${data.length} bytes in \\d+ items, adler-32 ${sum}`), 5_000)
    } finally {
      await page.close()
    }
  })
})
