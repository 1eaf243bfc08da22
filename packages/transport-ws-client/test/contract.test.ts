import type { Transport } from '@kp/core'
import { runTransportContract } from '@kp/core/testing'
import { wsConnector } from '../src/index.node.js'
import { testListener } from './test-listener.js'

runTransportContract({
  name: 'ws-client (node, ws)',
  reliable: true,
  pair: async ({ maxFrame }) => {
    const listener = await testListener({ maxFrame })
    const accepted = new Promise<Transport>((resolve) => listener.onConnection(resolve))
    const client = await wsConnector(listener.url, { maxFrame })()
    return { client, server: await accepted, close: () => listener.close() }
  },
})
