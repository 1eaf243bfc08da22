import type { Transport } from '@kp/core'
import { runTransportContract } from '@kp/core/testing'
import { udpConnector, udpListener } from '../src/index.js'
import { helloFrame } from './support/sockets.js'

runTransportContract({
  name: 'udp',
  reliable: false,
  maxFrame: 65_507,
  pair: async ({ maxFrame }) => {
    const listener = await udpListener({ host: '127.0.0.1', port: 0, maxDatagram: maxFrame, closeGraceMs: 0 })
    const accepted = new Promise<Transport>((resolve) => listener.onConnection(resolve))
    const client = await udpConnector({ host: '127.0.0.1', port: listener.address.port, maxDatagram: maxFrame })()
    // the listener makes the server end for a HELLO from a new address (the suite ignores it there)
    client.send(helloFrame())
    return { client, server: await accepted, close: () => listener.close() }
  },
})
