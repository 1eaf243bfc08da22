import type { Transport } from '@kp/core'
import { runTransportContract } from '@kp/core/testing'
import { wsConnector } from '@kp/transport-ws-client'
import { wsListener } from '../src/index.js'

runTransportContract({
  name: 'ws-server (with ws-client)',
  reliable: true,
  pair: async ({ maxFrame }) => {
    const listener = await wsListener({ host: '127.0.0.1', port: 0, maxFrame })
    const accepted = new Promise<Transport>((resolve) => listener.onConnection(resolve))
    const client = await wsConnector(listener.url, { maxFrame })()
    return { client, server: await accepted, close: () => listener.close() }
  },
})
