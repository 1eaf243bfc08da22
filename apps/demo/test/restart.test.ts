/**
 * A restarted server (same data directory) keeps its id, and connected clients reconnect to it
 * by themselves: a CLI `listen` over TCP and a core client over UDP in this process.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, KiloInterface, type KiloClient } from '@kp/core'
import { udpConnector } from '@kp/transport-udp'
import { afterAll, expect, it } from 'vitest'
import { cmdPing, cmdPushClient } from '../src/api.js'
import { clientArgs, DemoServerProc, type Proc, runClient, startClient } from './support/processes.js'

let dataDir: string | undefined
const procs: Proc[] = []
let client: KiloClient | undefined

afterAll(async () => {
  await client?.close()
  for (const p of procs) p.kill()
  if (dataDir) await rm(dataDir, { recursive: true, force: true })
}, 20_000)

it('keeps its id across a restart; connected clients reconnect by themselves', async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'kp-demo-restart-'))
  const data = join(dataDir, 'data')
  const first = await DemoServerProc.start(data)
  procs.push(first)
  const { info } = first
  expect(first.stdout).toMatch(/created now/)

  // a CLI listener on TCP (it reconnects when the server goes away)...
  const listener = startClient([...clientArgs(info, 'tcp'), 'listen', '--count', '1'])
  procs.push(listener)
  await listener.waitFor(/waiting for pushes/, 15_000)
  // ...and a core client on UDP
  const states: string[] = []
  client = connect(udpConnector({ host: '127.0.0.1', port: info.udpPort }), {
    serverId: info.id,
    iface: new KiloInterface().on(cmdPushClient, () => {}),
    reconnect: { minDelayMs: 50, maxDelayMs: 500 },
  })
  client.on('state', (s) => states.push(s))
  expect(await client.call(cmdPing, 'before', { timeoutMs: 5_000 })).toBe('pong: before')
  const tokenBefore = client.token!

  // a clean stop: sessions get CLOSE, exit code 0
  expect(await first.stop(), first.output).toBe(0)
  expect(first.stdout).toMatch(/SIGTERM: closing 2 session\(s\)/)
  expect(first.stdout).toMatch(/stopped/)
  await listener.waitFor(/disconnected \(.*\); reconnecting/, 10_000)

  // the same data directory and ports: the same id
  const second = await DemoServerProc.start(data, { tcp: info.tcpPort, udp: info.udpPort, http: info.httpPort })
  procs.push(second)
  expect(second.info.id).toBe(info.id)
  expect(second.stdout).toMatch(/\(reused\)/)

  await listener.waitFor(new RegExp(`reconnected to tcp 127\\.0\\.0\\.1:${info.tcpPort}, server id ${info.id}`), 15_000)
  expect(await client.call(cmdPing, 'after', { timeoutMs: 5_000 })).toBe('pong: after')
  expect(client.state).toBe('connected')
  expect(states).toContain('disconnected')
  expect(client.token).not.toEqual(tokenBefore)

  // the reconnected listener still gets pushes
  const chat = await runClient([...clientArgs(second.info, 'udp'), 'chat', 'erin', 'after the restart'])
  expect(chat.code, chat.stderr).toBe(0)
  await listener.waitFor(/chat\s+\[udp\] erin: after the restart/, 10_000)
  expect(await listener.exit(10_000)).toBe(0)

  await client.close()
  expect(await second.stop(), second.output).toBe(0)
}, 80_000)
