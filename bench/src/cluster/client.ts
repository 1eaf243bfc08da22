/** Clients of the cluster benchmark: one receiver, or many topic members, of one node. */
import { connect, KiloInterface, type KiloClient, SigningKey, silentLogger } from '@kp/core'
import { tcpConnector } from '@kp/transport-tcp'
import { io, type Socket } from 'socket.io-client'
import { BURST, type ChildReply, type ClientCommand, type ClientReport, cmdFan, cmdTick, LATENCY, now, type SystemName } from './protocol.js'

const [system, portArg, serverId] = process.argv.slice(2) as [SystemName, string, string]
const port = Number(portArg)
process.on('disconnect', () => process.exit(0))

const report: ClientReport = { latency: [], burstCount: 0, burstLastAt: 0, fan: {}, fanSamples: [], rss: 0 }

function onTick(phase: number, _seq: number, t: number): void {
  const at = now()
  if (phase === LATENCY) report.latency.push(at - t)
  else if (phase === BURST) {
    report.burstCount++
    report.burstLastAt = at
  }
}

function onFan(seq: number, t: number): void {
  const ms = now() - t
  const f = (report.fan[seq] ??= { count: 0, max: 0 })
  f.count++
  if (ms > f.max) f.max = ms
  report.fanSamples.push(ms)
}

const kpIface = new KiloInterface().on(cmdTick, (a) => onTick(a.phase, a.seq, a.t)).on(cmdFan, (a) => onFan(a.seq, a.t))
const clients: (KiloClient | Socket)[] = []

async function openOne(): Promise<string> {
  if (system === 'socketio-redis') {
    const user = Math.random().toString(36).slice(2)
    const s = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], auth: { user }, reconnection: false, timeout: 60_000 })
    s.on('tick', (phase: number, seq: number, t: number) => onTick(phase, seq, t))
    s.on('fan', (seq: number, t: number) => onFan(seq, t))
    clients.push(s)
    await new Promise<void>((resolve, reject) => {
      s.once('connect', () => resolve())
      s.once('connect_error', reject)
    })
    return user
  }
  const key = SigningKey.generate()
  // generous timeouts: thousands of handshakes on a small, shared machine
  const c = connect(tcpConnector({ host: '127.0.0.1', port, connectTimeoutMs: 60_000 }), {
    serverId,
    key,
    iface: kpIface,
    reconnect: false,
    logger: silentLogger,
    handshakeTimeoutMs: 60_000,
  })
  try {
    await c.ready()
  } catch (e) {
    await c.close()
    throw e
  }
  clients.push(c)
  return key.publicKey.toBase64url()
}

async function connectMany(count: number): Promise<string[]> {
  const ids: string[] = []
  let next = 0
  let failures = 0
  // 16 handshakes at a time; a failed one is tried again (at most 50 failures in all)
  await Promise.all(
    Array.from({ length: Math.min(16, count) }, async () => {
      while (next < count) {
        next++
        try {
          ids.push(await openOne())
        } catch (e) {
          if (++failures > 50) throw e
          next--
        }
      }
    }),
  )
  return ids
}

function reply(m: ChildReply): void {
  process.send?.(m)
}

process.on('message', (m: ClientCommand) => {
  if (m.cmd === 'connect') {
    const t0 = now()
    connectMany(m.count).then(
      (ids) => reply({ type: 'connected', count: ids.length, ms: now() - t0, ids: ids.slice(0, 1) }),
      (e: unknown) => reply({ type: 'fatal', error: String((e as Error)?.stack ?? e) }),
    )
  } else if (m.cmd === 'report') {
    report.rss = process.memoryUsage().rss
    reply({ type: 'report', report })
  }
})
reply({ type: 'ready' })
