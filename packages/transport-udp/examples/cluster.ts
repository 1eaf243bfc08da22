// Kiloparsec over UDP on every core with node:cluster, runnable:
//   pnpm --filter @kp/transport-udp example:cluster
// Settings (environment): KP_WORKERS (default: one per core), KP_HOST (127.0.0.1), KP_PORT
// (4000; 0 picks a free one), KP_KEY_FILE (server-key.pem in the working directory).
//
// As over TCP, the primary makes the key once and every worker loads it. UDP needs one more
// piece: node:cluster gives every worker the same socket and the kernel hands each datagram to
// any of them, so `udpClusterPrimary()` in the primary and `cluster: true` in the workers give
// every client address one owning worker; the others relay its datagrams to it over 127.0.0.1.
import cluster from 'node:cluster'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { KiloInterface, SigningKey } from '@kp/core'
import { createUdpServer, type UdpServer, udpClusterPrimary } from '@kp/transport-udp'
import { cmdStats, cmdWhoami } from './cluster-api.js'

const workers = Number(process.env.KP_WORKERS ?? availableParallelism())
const host = process.env.KP_HOST ?? '127.0.0.1'
const port = Number(process.env.KP_PORT ?? 4000)
const keyFile = process.env.KP_KEY_FILE ?? 'server-key.pem'

if (cluster.isPrimary) {
  if (!existsSync(keyFile)) writeFileSync(keyFile, SigningKey.generate().toPem(), { mode: 0o600, flag: 'wx' })
  const key = SigningKey.fromPem(readFileSync(keyFile, 'utf8'))
  udpClusterPrimary({ workers })
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
  let server: UdpServer<unknown> | null = null
  const api = new KiloInterface()
    .on(cmdWhoami, () => ({ pid: process.pid, worker }))
    .on(cmdStats, () => {
      const s = server!.listener.stats
      return { relayedIn: s.relayedIn, relayedOut: s.relayedOut, relayDrops: s.relayDrops, foreignDatagrams: s.foreignDatagrams, sessions: server!.sessionCount }
    })
  server = await createUdpServer(api, { key, host, port, cluster: true })
  process.send!({ listening: server.listener.address.port })
  process.on('SIGTERM', () => {
    server!.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  })
}
