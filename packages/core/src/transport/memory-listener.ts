import { TransportError } from '../errors/transport-error.js'
import { type MemoryTransportOptions, memoryPairWithRespawn } from './memory-transport.js'
import type { Connector, Transport, TransportListener } from './transport.js'

/** Options of {@link memoryListener}. */
export interface MemoryListenerOptions extends MemoryTransportOptions {
  /** In-memory "port" to listen on; 0 or absent picks a free one. Reusing a port restarts a server. */
  port?: number
}

const listeners = new Map<number, (t: Transport) => void>()
const optionsByPort = new Map<number, MemoryTransportOptions>()
let nextPort = 1

/**
 * A listener on an in-memory "port". Connect to it with {@link memoryConnector}. Closing it makes
 * connects fail like a refused TCP connect; listening again on the same port is a server restart.
 */
export async function memoryListener(options: MemoryListenerOptions = {}): Promise<TransportListener> {
  let port = options.port ?? 0
  if (port === 0) while (listeners.has((port = nextPort++)));
  if (listeners.has(port)) throw new TransportError(`memory port ${port} is in use`, { code: 'kp.AddressInUse' })
  let accept: ((t: Transport) => void) | null = null
  const slot = (t: Transport) => (accept ? accept(t) : t.close(new TransportError('listener has no handler')))
  listeners.set(port, slot)
  optionsByPort.set(port, options)
  let closed = false
  return {
    address: { host: 'memory', port },
    get isClosed() {
      return closed
    },
    onConnection(cb) {
      accept = cb
    },
    async close() {
      closed = true
      if (listeners.get(port) === slot) {
        listeners.delete(port)
        optionsByPort.delete(port)
      }
    },
  }
}

/** A connector to the in-memory listener on `port` (it follows restarts on that port). */
export function memoryConnector(port: number): Connector {
  const connector = async (signal?: AbortSignal) => {
    signal?.throwIfAborted()
    const accept = listeners.get(port)
    if (!accept) throw new TransportError(`connection refused: nothing listens on memory port ${port}`, { code: 'kp.ConnectionRefused' })
    const [client, server] = memoryPairWithRespawn(optionsByPort.get(port) ?? {}, (t) => {
      const current = listeners.get(port)
      if (!current) return false
      current(t)
      return true
    })
    accept(server)
    return client
  }
  return Object.assign(connector, { target: `memory:${port}` })
}
