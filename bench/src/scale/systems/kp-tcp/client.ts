import { connectTcp } from '@kp/transport-tcp'
import type { ScaleConn, ScaleConnectOptions, ScaleInfo } from '../../types.js'
import { clientApi, kpConn, quietLogger } from '../kp-common.js'

export function connect(info: ScaleInfo, o: ScaleConnectOptions): Promise<ScaleConn> {
  return kpConn(
    connectTcp({
      host: '127.0.0.1',
      port: info.port as number,
      localAddress: o.localAddress,
      serverId: info.serverId as string,
      reconnect: false,
      iface: clientApi(o.onPush),
      logger: quietLogger('kp-tcp client'),
    }),
  )
}
