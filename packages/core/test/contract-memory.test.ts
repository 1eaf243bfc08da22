import { memoryPair } from '../src/index.js'
import { runTransportContract } from '../src/testing/index.js'

for (const reliable of [true, false]) {
  runTransportContract({
    name: reliable ? 'memory' : 'memory (datagram)',
    reliable,
    pair: async ({ maxFrame }) => {
      const [client, server] = memoryPair({ reliable, maxFrame })
      return { client, server }
    },
  })
}
