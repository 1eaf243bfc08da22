import { memoryConnector, memoryListener } from '../src/index.js'
import { runFuzzSuite } from '../src/testing/index.js'

// Seeded hostile peers against a real server over the in-memory transports (KP_FUZZ_SEED replays).
runFuzzSuite({
  name: 'memory (reliable)',
  reliable: true,
  listen: () => memoryListener(),
  connector: (l) => memoryConnector(l.address.port),
})

runFuzzSuite({
  name: 'memory (datagram)',
  reliable: false,
  listen: () => memoryListener({ reliable: false }),
  connector: (l) => memoryConnector(l.address.port),
})
