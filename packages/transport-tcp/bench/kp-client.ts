import type { Socket } from 'node:net'
import { connect, type KiloClient } from '@kp/core'
import { connectTcp } from '../src/index.js'
import { socketLimits } from '../src/options.js'
import { SocketTransport } from '../src/socket-transport.js'
import { type BenchConn, rawConnect } from './echo.js'
import { cmdEcho } from './kp-server.js'

function wrap(client: KiloClient, raw: Socket | null): BenchConn {
  return {
    call: (payload) => client.call(cmdEcho, payload),
    close: () => void client.close(),
    wireBytes: () => (raw ? raw.bytesRead + raw.bytesWritten : Number.NaN),
  }
}

/** Kiloparsec over TCP as the benchmark sees it: `connectTcp`, the server key pinned. */
export function kpSystems(ports: { kp: number; serverId: string }) {
  const options = { serverId: ports.serverId, reconnect: false }
  return [
    {
      name: 'kp (tcp)',
      async open() {
        const client = connectTcp({ host: '127.0.0.1', port: ports.kp, ...options })
        await client.ready()
        return wrap(client, null)
      },
      // the same transport, built by hand to keep the raw socket and count its bytes
      async openCounted() {
        let raw: Socket | null = null
        const client = connect(async () => {
          raw = await rawConnect(ports.kp)
          return new SocketTransport(raw, socketLimits({}))
        }, options)
        await client.ready()
        return wrap(client, raw)
      },
    },
  ]
}
