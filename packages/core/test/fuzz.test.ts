import { memoryConnector, memoryListener } from '../src/index.js'
import { runClientFuzzSuite, runFuzzSuite } from '../src/testing/index.js'

// Seeded hostile peers against a real server over the in-memory transports, while a good client
// keeps calling (KP_FUZZ_SEED replays a run, KP_FUZZ_VERBOSE=1 prints what each phase did).
runFuzzSuite({
  name: 'memory (reliable)',
  reliable: true,
  listen: () => memoryListener(),
  connector: (l) => memoryConnector(l.address.port),
})

runFuzzSuite({
  name: 'memory (datagram)',
  reliable: false,
  sequences: 100,
  listen: () => memoryListener({ reliable: false }),
  connector: (l) => memoryConnector(l.address.port),
})

// Seeded hostile servers against KiloClient.
runClientFuzzSuite({ name: 'memory (reliable)', reliable: true, listen: () => memoryListener(), connector: (l) => memoryConnector(l.address.port) })
runClientFuzzSuite({ name: 'memory (datagram)', reliable: false, listen: () => memoryListener({ reliable: false }), connector: (l) => memoryConnector(l.address.port) })
