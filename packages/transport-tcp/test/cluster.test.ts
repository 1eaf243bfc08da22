// examples/cluster.ts with 2 workers: the same key on both (loaded from one file), each its own
// createTcpServer on one port; node:cluster spreads the connections and every pinned client works.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SigningKey } from '@kp/core'
import { afterAll, describe, expect, it } from 'vitest'
import { type RunningExample, startExample } from '../../../scripts/test/cluster-example.js'
import { cmdWhoami } from '../examples/cluster-api.js'
import { connectTcp } from '../src/index.js'

const example = fileURLToPath(new URL('../examples/cluster.ts', import.meta.url))
const packageDir = fileURLToPath(new URL('..', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'kp-tcp-cluster-'))
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

describe('TCP on every core with node:cluster (examples/cluster.ts)', () => {
  it('2 workers, one key from one file: calls from many clients land on both workers and every pinned client succeeds', async () => {
    const keyFile = join(dir, 'key.pem')
    const ready = await start({ KP_WORKERS: '2', KP_PORT: '0', KP_HOST: '127.0.0.1', KP_KEY_FILE: keyFile })
    expect(ready.workers).toBe(2)
    // the key in the file is the one the clients pin
    expect(SigningKey.fromPem(readFileSync(keyFile, 'utf8')).publicKey.toHex()).toBe(ready.serverId)
    const clients = Array.from({ length: 40 }, () => connectTcp({ host: '127.0.0.1', port: ready.port, serverId: ready.serverId, reconnect: false }))
    try {
      const answers = await Promise.all(clients.map((c) => c.call(cmdWhoami, undefined)))
      const byWorker = new Map<number, number>()
      for (const a of answers) byWorker.set(a.pid, (byWorker.get(a.pid) ?? 0) + 1)
      expect(answers).toHaveLength(40)
      expect(byWorker.size).toBe(2)
      // the primary hands connections to a free worker in turn: both get a share (not exactly half
      // when one worker is slower to take its connection)
      for (const n of byWorker.values()) expect(n).toBeGreaterThanOrEqual(2)
      // every session keeps talking to its own worker
      for (const [i, c] of clients.entries()) expect((await c.call(cmdWhoami, undefined)).pid).toBe(answers[i]!.pid)
    } finally {
      await Promise.all(clients.map((c) => c.close()))
    }
  }, 120_000)
})
