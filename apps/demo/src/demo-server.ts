/**
 * Starts the demo: one `KiloInterface` served over TCP, UDP and WebSocket at once, the WebSocket
 * endpoint sharing its HTTP port with the browser page.
 */
import { createServer, type Server } from 'node:http'
import { type Cluster, createCluster, type NatsBus, natsBus } from '@kp/cluster-nats'
import { type KiloServer, type Logger, type SigningKey, serve, type TransportListener } from '@kp/core'
import { tcpListener } from '@kp/transport-tcp'
import { udpListener } from '@kp/transport-udp'
import { wsListener } from '@kp/transport-ws-server'
import { type TransportName, tokenFingerprint } from './api.js'
import { connectableHost, FatalError, hostPort, WS_PATH } from './cli-util.js'
import { buildPage, pageHandler } from './page-server.js'
import { createService, Session } from './service.js'

/** Where and as whom the demo server runs. */
export interface DemoServerOptions {
  key: SigningKey
  host: string
  tcpPort: number
  udpPort: number
  httpPort: number
  /** One line per event (connections, chat). */
  log: (line: string) => void
  /** Join a cluster through this NATS server (cluster mode). */
  cluster?: { nats: string; nodeName: string | null; key: Uint8Array | null } | undefined
}

/** A running demo server. */
export interface DemoServer {
  /** Bound addresses (the real ports when 0 was asked). */
  tcp: { host: string; port: number }
  udp: { host: string; port: number }
  http: { host: string; port: number }
  /** `ws://host:port/kp` */
  wsUrl: string
  /** The page, with the server id to pin in its query. */
  pageUrl: string
  /** Sessions connected right now. */
  readonly online: number
  /** In cluster mode: this node's name and the NATS server it joined through. */
  node: { name: string; nats: string; sealed: boolean } | null
  /** Stops accepting, closes every session (they get CLOSE), closes the sockets. */
  close(): Promise<void>
}

/** Starts every listener; on failure closes what was already started and throws a `FatalError`. */
export async function startDemoServer(o: DemoServerOptions): Promise<DemoServer> {
  const service = createService(o.log)
  const logger: Logger = { warn: (m) => o.log(`! ${m}`), error: (m) => o.log(`! ${m}`) }
  const assets = await buildPage().catch((e) => {
    throw new FatalError(`cannot bundle the browser page: ${(e as Error).message}`, { cause: e })
  })

  const cleanups: (() => Promise<void>)[] = []
  const closeAll = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {})
  }
  try {
    const http = createServer(pageHandler(assets))
    await listenHttp(http, o.host, o.httpPort)
    cleanups.push(() => closeHttp(http))

    const tcp = await tcpListener({ host: o.host, port: o.tcpPort }).catch(explain('TCP', o.host, o.tcpPort, '--tcp-port', 'KP_DEMO_TCP_PORT'))
    cleanups.push(() => tcp.close())
    const udp = await udpListener({ host: o.host, port: o.udpPort }).catch(explain('UDP', o.host, o.udpPort, '--udp-port', 'KP_DEMO_UDP_PORT'))
    cleanups.push(() => udp.close())
    const ws = await wsListener({ server: http, path: WS_PATH })
    cleanups.push(() => ws.close())

    // The same `api` on every transport; the session factory records which one a session uses.
    const servers: KiloServer<Session>[] = []
    const serveOn = (listener: TransportListener, transport: TransportName) => {
      // resumable sessions (PROTOCOL.md 15): a page whose network drops keeps its session and chat
      const server = serve(listener, service.api, { key: o.key, session: () => new Session(transport), logger, resume: true })
      server.on('sessionInterrupted', (ctx, reason) =>
        o.log(`~ ${ctx.session.transport} ${ctx.remoteAddress} interrupted (${reason}); waiting for it to resume`),
      )
      server.on('sessionResumed', (ctx) => o.log(`~ ${ctx.session.transport} ${ctx.remoteAddress} resumed, token ${tokenFingerprint(ctx.token)}`))
      servers.push(server)
    }
    serveOn(tcp, 'tcp')
    serveOn(udp, 'udp')
    serveOn(ws, 'ws')

    let cluster: Cluster<Session> | null = null
    let bus: NatsBus | null = null
    if (o.cluster) {
      const { nats, nodeName, key } = o.cluster
      // one node: its three servers (TCP, UDP, WebSocket) joined to the others through NATS
      bus = await natsBus({ servers: nats, name: `kp-demo ${nodeName ?? ''}`.trim() }).catch((e: unknown) => {
        throw new FatalError(`cannot reach the NATS server at ${nats}: ${(e as Error).message}. Is it running? (pnpm demo --cluster starts one)`, { cause: e })
      })
      const b = bus
      cleanups.push(() => b.close())
      cluster = await createCluster(servers, bus, { name: nodeName ?? undefined, key: key ?? undefined, logger })
      const c = cluster
      cleanups.push(() => c.close())
      cluster.on('nodeUp', (n) => o.log(`cluster: node ${n.name || n.id} is up`))
      cluster.on('nodeDown', (n, reason) => o.log(`cluster: node ${n.name || n.id} is gone (${reason})`))
      service.attachCluster(cluster)
    }
    const node = cluster && o.cluster ? { name: cluster.name, nats: o.cluster.nats, sealed: o.cluster.key !== null } : null

    const httpAddr = addressOf(http)
    const pageHost = hostPort(connectableHost(httpAddr.host), httpAddr.port)
    let closing: Promise<void> | null = null
    return {
      tcp: tcp.address,
      udp: udp.address,
      http: httpAddr,
      wsUrl: `ws://${pageHost}${WS_PATH}`,
      pageUrl: `http://${pageHost}/?id=${o.key.publicKey.toBase64url()}`,
      get online() {
        return service.online
      },
      node,
      close() {
        closing ??= (async () => {
          // leave the cluster first: the other nodes forget this node's clients at once
          await cluster?.close()
          // serve().close() stops its listener, sends CLOSE to every session and waits for them.
          await Promise.all(servers.map((s) => s.close()))
          await bus?.close().catch(() => {})
          await closeHttp(http)
        })()
        return closing
      },
    }
  } catch (e) {
    await closeAll()
    throw e
  }
}

function addressOf(server: Server): { host: string; port: number } {
  const a = server.address()
  return a && typeof a === 'object' ? { host: a.address, port: a.port } : { host: '', port: 0 }
}

function listenHttp(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.off('listening', onListening)
      reject(explainCode('HTTP/WebSocket', host, port, '--http-port', 'KP_DEMO_HTTP_PORT', e.code ?? e.message, e))
    }
    const onListening = () => {
      server.off('error', onError)
      resolve()
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen(port, host)
  })
}

function closeHttp(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve()
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

function explain(what: string, host: string, port: number, flag: string, env: string) {
  return (e: unknown): never => {
    const cause = e as { code?: string; message?: string; cause?: NodeJS.ErrnoException }
    const code = cause.cause?.code ?? cause.code ?? cause.message ?? String(e)
    throw explainCode(what, host, port, flag, env, code, e)
  }
}

function explainCode(what: string, host: string, port: number, flag: string, env: string, code: string, cause: unknown): FatalError {
  const where = hostPort(host, port)
  if (code === 'EADDRINUSE' || code === 'kp.AddressInUse') {
    return new FatalError(
      `${what} port ${where} is already in use (another demo server?). Stop it, or pick another port with ${flag} or ${env} (0 = any free port).`,
      { cause },
    )
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new FatalError(`cannot listen on ${where} for ${what}: ${host} is not an address of this machine. Check --host / KP_DEMO_HOST.`, { cause })
  }
  if (code === 'EACCES') {
    return new FatalError(`not allowed to listen on ${where} for ${what} (ports below 1024 need privileges). Pick another port with ${flag} or ${env}.`, {
      cause,
    })
  }
  return new FatalError(`cannot listen on ${where} for ${what}: ${code}`, { cause })
}
