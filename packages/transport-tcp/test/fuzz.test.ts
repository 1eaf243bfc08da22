import { runClientFuzzSuite, runFuzzSuite } from '@kp/core/testing'
import { type TcpListener, tcpConnector, tcpListener } from '../src/index.js'

// Seeded hostile peers against a real server on 127.0.0.1 over TCP while a good client keeps
// calling (KP_FUZZ_SEED replays a run, KP_FUZZ_VERBOSE=1 prints what each phase did).
runFuzzSuite({
  name: 'tcp',
  reliable: true,
  listen: () => tcpListener({ host: '127.0.0.1', port: 0 }),
  connector: (l) => tcpConnector({ host: '127.0.0.1', port: l.address.port }),
  counters: (l) => ({ tcpConnections: (l as TcpListener).connectionCount }),
})

// Seeded hostile servers against KiloClient over TCP.
runClientFuzzSuite({
  name: 'tcp',
  reliable: true,
  listen: () => tcpListener({ host: '127.0.0.1', port: 0 }),
  connector: (l) => tcpConnector({ host: '127.0.0.1', port: l.address.port }),
})
