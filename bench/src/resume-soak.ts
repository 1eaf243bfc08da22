/**
 * Soak test of resumable sessions (PROTOCOL.md 15): `pnpm bench:resume [--seconds 60]
 * [--every 3000] [--transport tcp|ws|udp] [--inflight 256]`.
 *
 * One process, one server, one client over 127.0.0.1. The client keeps `--inflight` calls in
 * flight all the time (each with a unique number the server's handler records), the server
 * calls the client and pushes to it, and the link is cut (a short black hole, then the socket
 * closes) every `--every` ms. At the end it prints links dropped, calls made, lost (never
 * answered), duplicated (a handler ran twice), failed, and the process RSS before and after.
 */
import { parseArgs } from 'node:util'
import { bp, command, connect, KiloInterface, type SessionContext, serve, SigningKey, silentLogger } from '@kp/core'
import { cuttable } from '@kp/core/testing'
import { tcpConnector, tcpListener } from '@kp/transport-tcp'
import { udpConnector, udpListener } from '@kp/transport-udp'
import { wsConnector } from '@kp/transport-ws-client'
import { wsListener } from '@kp/transport-ws-server'

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    seconds: { type: 'string', default: '60' },
    every: { type: 'string', default: '3000' },
    transport: { type: 'string', default: 'tcp' },
    inflight: { type: 'string', default: '256' },
  },
})
const seconds = Number(args.seconds)
const every = Number(args.every)
const inflight = Number(args.inflight)
const transport = args.transport!

const work = command('soak.work', bp.u32, bp.u32)
const note = command('soak.note', bp.u32, bp.unit)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`
const gc = () => (globalThis as { gc?: () => void }).gc?.()

/** How often each numbered handler ran: one byte per number, grown by doubling (the soak's own memory stays small). */
class Runs {
  private a = new Uint8Array(1 << 16)
  count(n: number): void {
    while (n >= this.a.length) {
      const b = new Uint8Array(this.a.length * 2)
      b.set(this.a)
      this.a = b
    }
    if (this.a[n]! < 255) this.a[n]!++
  }
  /** Numbers below `made` that ran once, more than once. */
  tally(made: number): { once: number; twice: number } {
    let once = 0
    let twice = 0
    for (let i = 0; i < made && i < this.a.length; i++) {
      if (this.a[i]! >= 1) once++
      if (this.a[i]! > 1) twice++
    }
    return { once, twice }
  }
}

async function main(): Promise<void> {
  const host = '127.0.0.1'
  const { listener, connector } =
    transport === 'ws'
      ? await (async () => {
          const l = await wsListener({ host, port: 0 })
          return { listener: l, connector: wsConnector(`ws://${host}:${l.address.port}/kp`) }
        })()
      : transport === 'udp'
        ? await (async () => {
            const l = await udpListener({ host, port: 0 })
            return { listener: l, connector: udpConnector({ host, port: l.address.port }) }
          })()
        : await (async () => {
            const l = await tcpListener({ host, port: 0 })
            return { listener: l, connector: tcpConnector({ host, port: l.address.port }) }
          })()

  const serverRuns = new Runs()
  const clientRuns = new Runs()
  let pushesReceived = 0
  const key = SigningKey.generate()
  const sessions: SessionContext<unknown>[] = []
  const server = serve(
    listener,
    new KiloInterface()
      .on(work, async (n) => {
        serverRuns.count(n)
        await sleep(n % 20)
        return n + 1
      })
      .onConnected((ctx) => void sessions.push(ctx)),
    { key, resume: { windowMs: 30_000 }, logger: silentLogger },
  )
  const cut = cuttable(connector)
  const client = connect(cut.connector, {
    serverId: key.publicKey,
    resume: true,
    reliable: transport === 'udp',
    logger: silentLogger,
    reconnect: { minDelayMs: 10, maxDelayMs: 200 },
    callTimeoutMs: 120_000,
    iface: new KiloInterface()
      .on(work, (n) => {
        clientRuns.count(n)
        return n + 1
      })
      .on(note, () => void pushesReceived++),
  })
  let resumed = 0
  let refused = 0
  client.on('resumed', () => resumed++)
  client.on('resumeRefused', () => refused++)
  await client.ready()
  gc()
  const rssBefore = process.memoryUsage().rss
  const heapBefore = process.memoryUsage().heapUsed

  let made = 0
  let answered = 0
  let wrong = 0
  let failed = 0
  let serverMade = 0
  let serverAnswered = 0
  let serverFailed = 0
  let pushesSent = 0
  const firstErrors: string[] = []
  const end = Date.now() + seconds * 1000
  let nextCut = Date.now() + every

  const worker = async () => {
    while (Date.now() < end) {
      const n = made++
      try {
        if ((await client.call(work, n)) === n + 1) answered++
        else wrong++
      } catch (e) {
        failed++
        if (firstErrors.length < 5) firstErrors.push((e as Error).message)
      }
    }
  }
  const serverSide = async () => {
    while (sessions.length === 0) await sleep(1)
    const ctx = sessions[0]!
    while (Date.now() < end) {
      const batch: Promise<unknown>[] = []
      for (let i = 0; i < 32; i++) {
        const n = serverMade++
        batch.push(
          ctx.call(work, n).then(
            (r) => (r === n + 1 ? serverAnswered++ : wrong++),
            (e) => {
              serverFailed++
              if (firstErrors.length < 5) firstErrors.push(`server: ${(e as Error).message}`)
            },
          ),
        )
        ctx.push(note, n)
        pushesSent++
      }
      await Promise.all(batch)
    }
  }
  const cutter = async () => {
    while (Date.now() < end) {
      await sleep(Math.max(0, Math.min(nextCut, end) - Date.now()))
      if (Date.now() >= end) break
      if (client.state === 'connected') cut.cut(50)
      nextCut = Date.now() + every
    }
  }
  const started = Date.now()
  await Promise.all([...Array.from({ length: inflight }, worker), serverSide(), cutter()])
  await sleep(200)
  gc()
  const rssAfter = process.memoryUsage().rss
  const heapAfter = process.memoryUsage().heapUsed
  const sr = serverRuns.tally(made)
  const cr = clientRuns.tally(serverMade)
  const dupServer = sr.twice
  const dupClient = cr.twice
  const lost = made - answered - wrong - failed
  const lines = [
    `resume soak over ${transport}: ${((Date.now() - started) / 1000).toFixed(1)} s, a cut every ${every} ms, ${inflight} calls in flight`,
    `links dropped:      ${cut.cuts} (resumed ${resumed}, refused ${refused}, connections ${cut.connections})`,
    `calls made:         ${made} client -> server, ${serverMade} server -> client; ${pushesSent} pushes`,
    `answered:           ${answered} + ${serverAnswered}; pushes received ${pushesReceived}`,
    `lost:               ${lost} + ${serverMade - serverAnswered - serverFailed}; pushes ${pushesSent - pushesReceived}`,
    `duplicated:         ${dupServer} + ${dupClient} (handlers run twice); wrong answers ${wrong}`,
    `failed:             ${failed} + ${serverFailed}${firstErrors.length ? ` (${firstErrors.join('; ')})` : ''}`,
    `handler runs:       ${sr.once} distinct of ${made} server, ${cr.once} of ${serverMade} client`,
    `RSS:                ${mib(rssBefore)} before, ${mib(rssAfter)} after${(globalThis as { gc?: unknown }).gc ? ' (after gc)' : ''}`,
    `JS heap used:       ${mib(heapBefore)} before, ${mib(heapAfter)} after`,
  ]
  console.log(lines.join('\n'))
  await client.close()
  await server.close()
  const clean = lost === 0 && dupServer + dupClient === 0 && failed + serverFailed === 0 && wrong === 0 && refused === 0
  process.exit(clean ? 0 : 1)
}

main().catch((e) => {
  console.error(e)
  process.exit(2)
})
