import { runTransportConformance } from '@kp/core/testing'
import { tcpConnector, tcpListener } from '../src/index.js'

runTransportConformance({
  name: 'tcp',
  reliable: true,
  listen: (port) => tcpListener({ host: '127.0.0.1', port: port ?? 0 }),
  connector: (port) => tcpConnector({ host: '127.0.0.1', port }),
})
