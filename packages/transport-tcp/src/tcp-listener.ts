import { createServer, type Server } from 'node:net'
import { type Transport, TransportError, type TransportListener } from '@kp/core'
import { checkHostPort, checkInt, type SocketTransportOptions, socketLimits } from './options.js'
import { SocketTransport } from './socket-transport.js'

/** Options of {@link tcpListener}. */
export interface TcpListenerOptions extends SocketTransportOptions {
  /** Address to bind. Default `'127.0.0.1'`; use `'0.0.0.0'` or `'::'` to accept other machines. */
  host?: string
  /** Port to bind; 0 picks a free one (see `address.port`). */
  port: number
  /**
   * Open connections at most. A connection beyond it is answered REJECT `Full` ("server full",
   * PROTOCOL.md 4.7) and closed, so the client retries later with backoff; beyond
   * `maxConnections` + 1 024 (a flood of connects) one is destroyed at once. Default 10 000.
   */
  maxConnections?: number
  /** Length of the kernel's queue of not yet accepted connections. Default 511. */
  backlog?: number
}

/** A listening TCP socket that hands each connection to core as a {@link Transport}. */
export interface TcpListener extends TransportListener {
  /** Connections accepted and not yet fully closed. */
  readonly connectionCount: number
  /** Connections refused with REJECT `Full` because `maxConnections` was reached. */
  readonly refusedCount: number
  /** Connections destroyed on arrival because `maxConnections` + 1 024 was reached. */
  readonly droppedCount: number
}

/** Connections beyond `maxConnections` that are still answered REJECT `Full` before being closed (more are dropped). */
export const REFUSE_MARGIN = 1024

/**
 * Starts listening; resolves once bound (with the real port when `port: 0` was asked). Fails
 * with `TransportError` (`'kp.AddressInUse'`, ...) when the address cannot be bound.
 *
 * @example
 * const listener = await tcpListener({ host: '127.0.0.1', port: 0 })
 * const server = serve(listener, api, { key })
 * console.log(listener.address.port)
 */
export async function tcpListener(options: TcpListenerOptions): Promise<TcpListener> {
  const { host, port } = checkHostPort(options, '127.0.0.1')
  const limits = socketLimits(options)
  const maxConnections = checkInt('maxConnections', options.maxConnections ?? 10_000, 1, 2 ** 30)
  const backlog = checkInt('backlog', options.backlog ?? 511, 1, 65_535)

  const server = createServer({ noDelay: true, allowHalfOpen: false })
  // beyond maxConnections a connection is told "full" and closed; beyond the margin, dropped at once
  server.maxConnections = maxConnections + REFUSE_MARGIN
  let dropped = 0
  let refused = 0
  server.on('drop', () => dropped++)
  await listen(server, host, port, backlog)
  // After listening, errors are failed accepts (EMFILE, ...): the connection never existed.
  server.on('error', () => {})

  let accept: ((t: Transport) => void) | null = null
  let open = 0
  server.on('connection', (socket) => {
    open++
    socket.once('close', () => open--)
    if (!accept) {
      socket.destroy()
      return
    }
    const t = new SocketTransport(socket, limits)
    if (open > maxConnections) {
      refused++
      t.refusal = 'full'
    }
    accept(t)
  })

  const bound = server.address()
  const address = typeof bound === 'object' && bound ? { host: bound.address, port: bound.port } : { host, port }
  let closing: Promise<void> | null = null
  return {
    address,
    get connectionCount() {
      return open
    },
    get droppedCount() {
      return dropped
    },
    get isClosed() {
      return closing !== null
    },
    get refusedCount() {
      return refused
    },
    onConnection(cb) {
      accept = cb
    },
    close() {
      // net.Server's own callback waits for every connection to end; only the listening socket is
      // ours to close (open transports are core's), and its port is free once close() returns.
      closing ??= new Promise<void>((resolve) => {
        server.close()
        setImmediate(resolve)
      })
      return closing
    },
  }
}

function listen(server: Server, host: string, port: number, backlog: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      const code = e.code === 'EADDRINUSE' ? 'kp.AddressInUse' : 'kp.Transport'
      reject(new TransportError(`cannot listen on ${host}:${port}: ${e.code ?? e.message}`, { code, cause: e }))
    }
    server.once('error', onError)
    server.listen({ host, port, backlog }, () => {
      server.off('error', onError)
      resolve()
    })
  })
}
