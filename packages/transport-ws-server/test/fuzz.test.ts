import { runFuzzSuite } from '@kp/core/testing'
import { wsConnector } from '@kp/transport-ws-client'
import { type WsListener, wsListener } from '../src/index.js'

// Seeded hostile peers against a real server on 127.0.0.1 over WebSocket while a good client
// keeps calling (KP_FUZZ_SEED replays a run, KP_FUZZ_VERBOSE=1 prints what each phase did).
runFuzzSuite({
  name: 'WebSocket',
  reliable: true,
  listen: () => wsListener({ port: 0, host: '127.0.0.1' }),
  connector: (l) => wsConnector((l as WsListener).url),
})
