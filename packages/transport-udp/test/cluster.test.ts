// examples/cluster.ts with 2 workers: one key from one file, one UDP port shared by node:cluster,
// each client address owned by one worker (udpClusterPrimary + cluster: true): every pinned client
// works and no datagram of a session reaches a worker that does not hold it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SigningKey } from '@kp/core'
import { afterAll, describe, expect, it } from 'vitest'
import { type RunningExample, startExample } from '../../../scripts/test/cluster-example.js'
import { cmdStats, cmdWhoami } from '../examples/cluster-api.js'
import { connectUdp, udpClusterPrimary, udpListener } from '../src/index.js'

const example = fileURLToPath(new URL('../examples/cluster.ts', import.meta.url))
const packageDir = fileURLToPath(new URL('..', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'kp-udp-cluster-'))
type Ready = { port: number; serverId: string; workers: number }
let running: RunningExample<Ready> | null = null
afterAll(async () => {
  await running?.stop()
  rmSync(dir, { recursive: true, force: true })
})

/** Starts the example and resolves with its ready line (port, server id). */
async function start(env: Record<string, string>): Promise<Ready> {
  running = await startExample<Ready>(example, packageDir, env)
  return running.ready
}

describe('UDP on every core with node:cluster (examples/cluster.ts)', () => {
  it('2 workers, one key from one file: calls from many clients land on both workers and every pinned client succeeds', async () => {
    const keyFile = join(dir, 'key.pem')
    const ready = await start({ KP_WORKERS: '2', KP_PORT: '0', KP_HOST: '127.0.0.1', KP_KEY_FILE: keyFile })
    expect(ready.workers).toBe(2)
    // the key in the file is the one the clients pin
    expect(SigningKey.fromPem(readFileSync(keyFile, 'utf8')).publicKey.toHex()).toBe(ready.serverId)
    const clients = Array.from({ length: 40 }, () => connectUdp({ host: '127.0.0.1', port: ready.port, serverId: ready.serverId, reconnect: false }))
    try {
      const answers = await Promise.all(clients.map((c) => c.call(cmdWhoami, undefined)))
      const byWorker = new Map<number, number>()
      for (const a of answers) byWorker.set(a.pid, (byWorker.get(a.pid) ?? 0) + 1)
      expect(answers).toHaveLength(40)
      expect(byWorker.size).toBe(2)
      // the primary hands connections to a free worker in turn: both get a share (not exactly half
      // when one worker is slower to take its connection)
      for (const n of byWorker.values()) expect(n).toBeGreaterThanOrEqual(2)
      // every session keeps talking to its own worker, call after call
      for (let round = 0; round < 5; round++) {
        const again = await Promise.all(clients.map((c) => c.call(cmdWhoami, undefined)))
        for (const [i, a] of again.entries()) expect(a.pid).toBe(answers[i]!.pid)
      }
      // each worker's counters, asked through a client it owns: datagrams were relayed both ways,
      // none was dropped, and none reached a worker without the session (foreignDatagrams)
      const onWorker = new Map<number, (typeof clients)[number]>()
      for (const [i, a] of answers.entries()) onWorker.set(a.pid, clients[i]!)
      const stats = await Promise.all([...onWorker.values()].map((c) => c.call(cmdStats, undefined)))
      expect(stats.reduce((n, s) => n + s.sessions, 0)).toBe(40)
      for (const s of stats) {
        expect(s.relayedIn).toBeGreaterThan(0)
        expect(s.relayedOut).toBeGreaterThan(0)
        expect(s.relayDrops).toBe(0)
        expect(s.foreignDatagrams).toBe(0)
      }
      // a worker that dies: its slot goes to the worker the example starts in its place, and new
      // clients whose addresses hash to that slot are served by it
      const dead = answers[0]!.pid
      process.kill(dead, 'SIGKILL')
      const fresh = Array.from({ length: 20 }, () => connectUdp({ host: '127.0.0.1', port: ready.port, serverId: ready.serverId, reconnect: false }))
      try {
        const after = await Promise.all(fresh.map((c) => c.call(cmdWhoami, undefined)))
        const pids = new Set(after.map((a) => a.pid))
        expect(pids.has(dead)).toBe(false)
        expect(pids.size).toBe(2)
      } finally {
        await Promise.all(fresh.map((c) => c.close()))
      }
    } finally {
      await Promise.all(clients.map((c) => c.close()))
    }
  }, 120_000)

  it('refuses wrong arguments', async () => {
    expect(() => udpClusterPrimary({ workers: 0 })).toThrow(RangeError)
    expect(() => udpClusterPrimary({ workers: 1.5 })).toThrow(TypeError)
    expect(() => udpClusterPrimary(undefined as never)).toThrow(/"workers" expected an integer/)
    await expect(udpListener({ host: '127.0.0.1', port: 0, cluster: 'yes' as never })).rejects.toThrow(TypeError)
    // not a node:cluster worker: nothing to share the socket with
    await expect(udpListener({ host: '127.0.0.1', port: 0, cluster: true })).rejects.toThrow(/node:cluster worker/)
  })
})
