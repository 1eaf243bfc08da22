/**
 * Connect to first answer in Chromium: Kiloparsec (`connectWs`, key pinned, one call) against
 * socket.io (WebSocket transport, one emit with ack) in the same browser, same run.
 * `pnpm --filter @kp/bench bench:browser [--rounds n]`.
 *
 * The servers run in this process on 127.0.0.1: Kiloparsec over ws:// (it encrypts by itself),
 * socket.io over wss:// (TLS 1.3, ECDSA P-256 self-signed; Chromium started with
 * --ignore-certificate-errors), the secure equivalent, and socket.io over plain ws:// as the
 * floor. Rounds alternate the systems; the first connect of each system in a fresh page is
 * reported apart (it includes Kiloparsec's WebCrypto feature detection).
 */
import { readFileSync, rmSync } from 'node:fs'
import { createServer as createHttp } from 'node:http'
import { createServer as createHttps } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { bp, command, KiloInterface, serve, SigningKey } from '@kp/core'
import { wsListener } from '@kp/transport-ws-server'
import { build } from 'esbuild'
import { chromium } from 'playwright-core'
import { Server } from 'socket.io'
import { CHROMIUM, CHROMIUM_ARGS } from '../../scripts/test/chromium.js'
import { makeSelfSignedCert } from '../../scripts/test/self-signed-cert.js'

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: { rounds: { type: 'string', default: '60' }, 'kp-src': { type: 'string' } },
})
const rounds = Number(args.rounds)
/**
 * `--kp-src dir`: bundle the page's @kp packages from another checkout's `packages/` (e.g. an
 * older commit: `git archive <commit> packages | tar -x -C dir`), to compare before and after.
 */
const kpSrc = args['kp-src']
const ENTRIES: Record<string, string> = {
  '@kp/core': 'core/src/index.ts',
  '@kp/core/transport': 'core/src/transport/kit.ts',
  '@kp/crypto': 'crypto/src/index.ts',
  '@kp/bipack': 'bipack/src/index.ts',
  '@kp/transport-ws-client': 'transport-ws-client/src/index.ts',
}
const fromCheckout = {
  name: 'kp-src',
  setup(b: import('esbuild').PluginBuild) {
    b.onResolve({ filter: /^@kp\// }, (a) => (ENTRIES[a.path] ? { path: join(kpSrc!, 'packages', ENTRIES[a.path]!) } : undefined))
  },
}

// ---------------------------------------------------------------- the page
const bundle = await build({
  entryPoints: [fileURLToPath(new URL('./browser/handshake-page.ts', import.meta.url))],
  bundle: true,
  minify: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  conditions: ['@kp/source', 'browser'],
  ...(kpSrc ? { plugins: [fromCheckout], nodePaths: [fileURLToPath(new URL('../../packages/crypto/node_modules', import.meta.url))] } : {}),
  outdir: '/page',
  write: false,
  logLevel: 'silent',
})
const files = new Map(bundle.outputFiles.map((f) => [f.path.slice('/page'.length), f.text]))
const entry = [...files.keys()].find((f) => f.startsWith('/handshake-page'))!

// ---------------------------------------------------------------- servers
const cmdPing = command('ping', bp.string, bp.string)
const http = createHttp((req, res) => {
  const js = files.get(req.url ?? '')
  if (js !== undefined) res.writeHead(200, { 'content-type': 'text/javascript' }).end(js)
  else res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>loading</title><script type="module" src="${entry}"></script>`)
})
await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
const port = (http.address() as AddressInfo).port
const key = SigningKey.generate()
const listener = await wsListener({ server: http, path: '/kp' })
const kpServer = serve(
  listener,
  new KiloInterface().on(cmdPing, (s) => s),
  { key },
)

// ECDSA P-256: Chromium does not take Ed25519 certificates
const { dir: certDir, keyFile, certFile } = makeSelfSignedCert({ prefix: 'kp-browser-bench-', key: 'p256' })
const https = createHttps({ key: readFileSync(keyFile), cert: readFileSync(certFile), minVersion: 'TLSv1.3' })
const sioHttp = createHttp()
for (const s of [https, sioHttp]) {
  const ioServer = new Server(s, { transports: ['websocket'], serveClient: false })
  ioServer.on('connection', (socket) => socket.on('ping', (x: string, ack: (x: string) => void) => ack(x)))
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
}
const sioWss = `https://127.0.0.1:${(https.address() as AddressInfo).port}`
const sioWs = `http://127.0.0.1:${(sioHttp.address() as AddressInfo).port}`
const kpUrl = `ws://127.0.0.1:${port}/kp`

// ---------------------------------------------------------------- browser
const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, '--ignore-certificate-errors'], timeout: 20_000 })
type Bench = { kp(url: string, id: string): Promise<number>; sio(url: string): Promise<number> }
const systems = {
  'kp (ws, own encryption)': (tab: import('playwright-core').Page) =>
    tab.evaluate(([u, id]) => (globalThis as unknown as { kpBench: Bench }).kpBench.kp(u, id), [kpUrl, key.publicKey.toHex()] as const),
  'socket.io (wss, TLS 1.3)': (tab: import('playwright-core').Page) =>
    tab.evaluate((u) => (globalThis as unknown as { kpBench: Bench }).kpBench.sio(u), sioWss),
  'socket.io (ws, no encryption)': (tab: import('playwright-core').Page) =>
    tab.evaluate((u) => (globalThis as unknown as { kpBench: Bench }).kpBench.sio(u), sioWs),
}
type Name = keyof typeof systems
const names = Object.keys(systems) as Name[]

async function freshTab() {
  const tab = await browser.newPage()
  await tab.goto(`http://127.0.0.1:${port}/`)
  await tab.waitForFunction(() => document.title === 'ready')
  return tab
}

const first = new Map<Name, number>()
for (const name of names) {
  const tab = await freshTab()
  first.set(name, await systems[name](tab))
  await tab.close()
}
const tab = await freshTab()
for (const name of names) for (let i = 0; i < 5; i++) await systems[name](tab) // warm up
const times = new Map<Name, number[]>(names.map((n) => [n, []]))
for (let r = 0; r < rounds; r++) {
  for (let i = 0; i < names.length; i++) {
    const name = names[(r + i) % names.length]!
    times.get(name)!.push(await systems[name](tab))
  }
}
const version = browser.version()
await browser.close()
await kpServer.close()
await listener.close()
https.close()
sioHttp.close()
http.close()
rmSync(certDir, { recursive: true, force: true })

// ---------------------------------------------------------------- report
const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!
}
const f = (ms: number) => ms.toFixed(2)
const base = q(times.get('socket.io (wss, TLS 1.3)')!, 0.5)
console.log(`\nConnect to first answer in Chromium ${version} (headless), ${rounds} rounds alternating, loopback; ms${kpSrc ? `; kp page from ${kpSrc}` : ''}`)
console.log('\n| system | median | p90 | first in a fresh page | median vs socket.io (wss) |')
console.log('|---|---:|---:|---:|---:|')
for (const name of names) {
  const xs = times.get(name)!
  console.log(`| ${name} | ${f(q(xs, 0.5))} | ${f(q(xs, 0.9))} | ${f(first.get(name)!)} | ${(q(xs, 0.5) / base).toFixed(2)}× |`)
}
process.exit(0)
