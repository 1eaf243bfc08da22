import { SigningKey } from '@kp/core'
import { createUdpServer } from '@kp/transport-udp'
import type { ScaleServer, ScaleServerOptions } from '../../types.js'
import { kpServer, quietLogger, serverApi } from '../kp-common.js'

/** createUdpServer with its defaults (4 MiB socket buffers asked, capped at net.core.rmem_max / wmem_max). */
export async function startServer(o: ScaleServerOptions): Promise<ScaleServer> {
  const key = SigningKey.generate()
  const server = await createUdpServer(serverApi(), { key, host: o.host, port: 0, logger: quietLogger('kp-udp') })
  const stats = async () => {
    const l = server.listener
    // datagrams the kernel dropped (receive buffer full), and the buffer it granted (Linux: twice the grant)
    return { ...l.stats, kernelDrops: (await l.kernelDrops()) ?? -1, recvBuffer: l.bufferSizes.recv } as unknown as Record<string, number>
  }
  return kpServer(server, { port: server.listener.address.port, serverId: key.publicKey.toHex() }, stats)
}
