import { runFuzzSuite } from '@kp/core/testing'
import { type UdpListener, udpConnector, udpListener } from '../src/index.js'

// Seeded hostile peers against a real server on 127.0.0.1 over UDP, in plain and in reliable
// datagram mode, while a good client keeps calling (KP_FUZZ_SEED replays a run,
// KP_FUZZ_VERBOSE=1 prints what each phase did).
const target = {
  reliable: false,
  listen: () => udpListener({ host: '127.0.0.1', port: 0 }),
  connector: (l: { address: { port: number } }) => udpConnector({ host: '127.0.0.1', port: l.address.port }),
  counters: (l: unknown) => ({ udpSessions: (l as UdpListener).sessions }),
}

runFuzzSuite({ name: 'udp', sequences: 120, ...target })
runFuzzSuite({ name: 'udp (reliable datagram mode)', arq: true, sequences: 120, ...target })
