import { memoryConnector, memoryListener } from '../src/index.js'
import { runTransportConformance } from '../src/testing/index.js'

runTransportConformance({
  name: 'memory (reliable)',
  reliable: true,
  listen: (port) => memoryListener(port ? { port } : {}),
  connector: (port) => memoryConnector(port),
})

runTransportConformance({
  name: 'memory (datagram, no loss)',
  reliable: false,
  listen: (port) => memoryListener({ reliable: false, ...(port ? { port } : {}) }),
  connector: (port) => memoryConnector(port),
})
