import { runTransportConformance } from '@kp/core/testing'
import { afterAll } from 'vitest'
import { udpConnector, udpListener } from '../src/index.js'
import { type LossyProxy, lossyProxy } from './support/lossy-proxy.js'

// Loopback does not lose datagrams at these rates (the sockets ask for large receive buffers),
// so every scenario runs directly on the UDP sockets, the reliability-hungry ones included.
runTransportConformance({
  name: 'udp',
  reliable: false,
  listen: (port) => udpListener({ host: '127.0.0.1', port: port ?? 0 }),
  connector: (port) => udpConnector({ host: '127.0.0.1', port }),
})

// Again through the lossy proxy with no loss but jitter, reordering and duplication: what a
// real network does to datagrams other than losing them. One proxy per server port, so the
// restart scenario finds its server again behind the same proxy.
const proxies = new Map<number, LossyProxy>()
afterAll(async () => {
  for (const p of proxies.values()) await p.close()
})
const link = { jitterMs: 1, reorder: 0.02, reorderDelayMs: 3, duplicate: 0.02 }
runTransportConformance({
  name: 'udp via a proxy (0% loss; jitter, reordering, duplication)',
  reliable: false,
  listen: async (port) => {
    const listener = await udpListener({ host: '127.0.0.1', port: port ?? 0 })
    const p = listener.address.port
    if (!proxies.has(p)) proxies.set(p, await lossyProxy({ target: { port: p }, seed: p, toServer: link, toClient: link }))
    return listener
  },
  connector: (port) => udpConnector({ host: '127.0.0.1', port: proxies.get(port)!.port }),
})
