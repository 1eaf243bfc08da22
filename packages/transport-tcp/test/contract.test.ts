import type { Transport } from '@kp/core'
import { runTransportContract } from '@kp/core/testing'
import { tcpConnector, tcpListener } from '../src/index.js'

runTransportContract({
  name: 'tcp',
  reliable: true,
  pair: async ({ maxFrame }) => {
    const listener = await tcpListener({ host: '127.0.0.1', port: 0, maxFrame })
    const accepted = new Promise<Transport>((resolve) => listener.onConnection(resolve))
    const client = await tcpConnector({ host: '127.0.0.1', port: listener.address.port, maxFrame })()
    return { client, server: await accepted, close: () => listener.close() }
  },
})
