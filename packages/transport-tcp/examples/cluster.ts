// Kiloparsec over TCP on every core with node:cluster, runnable:
//   pnpm --filter @kp/transport-tcp example:cluster
// Settings (environment): KP_WORKERS (default: one per core), KP_HOST (127.0.0.1), KP_PORT
// (4040; 0 picks a free one), KP_KEY_FILE (server-key.pem in the working directory).
//
// The primary makes the server key once (a PEM file, readable by its owner only) and forks the
// workers; every worker loads the same key and runs its own createTcpServer on the same port.
// node:cluster's primary accepts the connections and hands them to the workers in turn, so a
// client pinned to the one key reaches whichever worker, and each worker's sessions, calls and
// pushes are its own (a push to a client connected to another worker needs a cluster bus).
import cluster from 'node:cluster'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { KiloInterface, SigningKey } from '@kp/core'
import { createTcpServer } from '@kp/transport-tcp'
import { cmdWhoami } from './cluster-api.js'

const workers = Number(process.env.KP_WORKERS ?? availableParallelism())
const host = process.env.KP_HOST ?? '127.0.0.1'
const port = Number(process.env.KP_PORT ?? 4040)
const keyFile = process.env.KP_KEY_FILE ?? 'server-key.pem'

if (cluster.isPrimary) {
  // one identity for every worker: a worker with its own key would fail every pinned client it gets
  if (!existsSync(keyFile)) writeFileSync(keyFile, SigningKey.generate().toPem(), { mode: 0o600, flag: 'wx' })
  const key = SigningKey.fromPem(readFileSync(keyFile, 'utf8'))
  let listening = 0
  let stopping = false
  cluster.on('message', (_worker, m: { listening?: number }) => {
    if (typeof m?.listening === 'number' && ++listening === workers) {
      console.log(JSON.stringify({ ready: true, host, port: m.listening, workers, serverId: key.publicKey.toHex() }))
    }
  })
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return
    console.error(`worker ${worker.process.pid} ended (${signal ?? code}); starting another`)
    cluster.fork()
  })
  const stop = () => {
    stopping = true
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM')
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  for (let i = 0; i < workers; i++) cluster.fork()
} else {
  const key = SigningKey.fromPem(readFileSync(keyFile, 'utf8'))
  const worker = cluster.worker!.id
  const api = new KiloInterface().on(cmdWhoami, () => ({ pid: process.pid, worker }))
  const server = await createTcpServer(api, { key, host, port })
  process.send!({ listening: server.address.port })
  process.on('SIGTERM', () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  })
}
