/**
 * The cluster demo end to end: `--cluster` starts a real nats-server and two demo servers in their
 * own processes; a CLI client on node-1 and a CLI client and the page (Chromium) on node-2 chat
 * with each other through NATS.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../../../scripts/test/chromium.js'
import { clientArgs, Proc, runClient, type ServerInfo, startClient } from './support/processes.js'

let dataDir: string
let launcher: Proc
let browser: Browser | undefined
const nodes: Record<string, ServerInfo> = {}
const children: Proc[] = []

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'kp-demo-cluster-'))
  launcher = new Proc('src/server.ts', ['--cluster', '--data-dir', join(dataDir, 'data'), '--tcp-port', '0', '--udp-port', '0', '--http-port', '0'])
  await launcher.waitFor(/Stop with Ctrl-C/, 45_000, 'the cluster banner')
  const id = launcher.stdout.match(/server id\s+(\S+)/)![1]!
  for (const m of launcher.stdout.matchAll(/(node-\d)\s+TCP \S+:(\d+)\s+UDP \S+:(\d+)\s+WebSocket ws:\/\/\S+:(\d+)\/kp\s+page (\S+)/g)) {
    nodes[m[1]!] = { id, idHex: '', tcpPort: Number(m[2]), udpPort: Number(m[3]), httpPort: Number(m[4]), pageUrl: m[5]! }
  }
  browser = await launchChromium(chromium)
}, 90_000)

afterAll(async () => {
  await browser?.close()
  for (const c of children) c.kill()
  if (launcher?.running) {
    launcher.child.kill('SIGTERM')
    const code = await launcher.exit(15_000)
    expect(code, launcher.output).toBe(0)
    expect(launcher.stdout).toMatch(/SIGTERM: stopping 2 servers and the NATS server/)
    expect(launcher.stdout).toMatch(/\[node-1\] \S+ stopped/)
    expect(launcher.stdout).toMatch(/\[node-2\] \S+ stopped/)
  }
  await rm(dataDir, { recursive: true, force: true })
}, 30_000)

describe('pnpm demo --cluster', () => {
  it('starts NATS and two servers with one id, sealed, and prints how to reach each', () => {
    expect(Object.keys(nodes)).toEqual(['node-1', 'node-2'])
    expect(launcher.stdout).toMatch(/NATS\s+nats:\/\/127\.0\.0\.1:\d+ \(started here/)
    expect(launcher.stdout).toMatch(/bus\s+sealed with ChaCha20-Poly1305/)
    expect(nodes['node-1']!.tcpPort).not.toBe(nodes['node-2']!.tcpPort)
  })

  it('a chat message sent to node-1 reaches a listener on node-2, and back', async () => {
    await launcher.waitFor(/\[node-1\] \S+ cluster: node node-2 is up/, 10_000)
    const onNode2 = startClient([...clientArgs(nodes['node-2']!, 'tcp'), 'listen', '--count', '1'])
    children.push(onNode2)
    await onNode2.waitFor(/waiting for pushes/, 15_000)
    const sent = await runClient([...clientArgs(nodes['node-1']!, 'udp'), 'chat', 'alice', 'hello node-2'])
    expect(sent.code, sent.stderr).toBe(0)
    await onNode2.waitFor(/chat\s+\[udp@node-1\] alice: hello node-2/, 10_000)
    expect(await onNode2.exit(10_000)).toBe(0)

    const onNode1 = startClient([...clientArgs(nodes['node-1']!, 'ws'), 'listen', '--count', '1'])
    children.push(onNode1)
    await onNode1.waitFor(/waiting for pushes/, 15_000)
    const back = await runClient([...clientArgs(nodes['node-2']!, 'tcp'), 'chat', 'bob', 'hello node-1'])
    expect(back.code, back.stderr).toBe(0)
    await onNode1.waitFor(/chat\s+\[tcp@node-2\] bob: hello node-1/, 10_000)
    expect(await onNode1.exit(10_000)).toBe(0)
  })

  it('the page on node-2 and a CLI client on node-1 chat with each other', async () => {
    const page = await browser!.newPage()
    const problems: string[] = []
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
    try {
      await page.goto(nodes['node-2']!.pageUrl)
      await page.locator('#state[data-state="connected"]').waitFor({ timeout: 15_000 })

      const cli = await runClient([...clientArgs(nodes['node-1']!, 'tcp'), 'chat', 'carol', 'hi page, from node-1'])
      expect(cli.code, cli.stderr).toBe(0)
      const fromCli = page.locator('#chat-list li', { hasText: 'hi page, from node-1' })
      await fromCli.waitFor({ timeout: 10_000 })
      expect(await fromCli.textContent()).toMatch(/tcp\s*node-1\s*carol\s*hi page/)

      const listener = startClient([...clientArgs(nodes['node-1']!, 'tcp'), 'listen', '--count', '1'])
      children.push(listener)
      await listener.waitFor(/waiting for pushes/, 15_000)
      await page.locator('#chat-nick').fill('dana')
      await page.locator('#chat-text').fill('hello node-1, from the page')
      await page.locator('#chat-send').click()
      await listener.waitFor(/chat\s+\[ws@node-2\] dana: hello node-1, from the page/, 10_000)
      expect(await listener.exit(10_000)).toBe(0)
      expect(problems).toEqual([])
    } finally {
      await page.close()
    }
  })
})
