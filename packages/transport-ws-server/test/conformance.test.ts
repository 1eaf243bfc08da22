import { runTransportConformance } from '@kp/core/testing'
import { wsConnector } from '@kp/transport-ws-client'
import { wsListener } from '../src/index.js'

// The core conformance suite over real WebSockets on 127.0.0.1, from the Node client (`ws`).
runTransportConformance({
  name: 'WebSocket',
  reliable: true,
  listen: (port = 0) => wsListener({ port, host: '127.0.0.1' }),
  connector: (port) => wsConnector(`ws://127.0.0.1:${port}/kp`),
})
