import { connectWs } from '@kp/transport-ws-client'
import WebSocket from 'ws'
import type { ScaleConn, ScaleConnectOptions, ScaleInfo } from '../../types.js'
import { clientApi, kpConn, quietLogger } from '../kp-common.js'

/** `ws` from a chosen local address (the connector's own Node default, plus `localAddress`). */
const classes = new Map<string, unknown>()
function wsFrom(localAddress: string) {
  let c = classes.get(localAddress)
  if (!c) {
    c = class extends WebSocket {
      constructor(url: string, protocols: string[]) {
        super(url, protocols, { perMessageDeflate: false, localAddress })
      }
    }
    classes.set(localAddress, c)
  }
  return c as never
}

export function connect(info: ScaleInfo, o: ScaleConnectOptions): Promise<ScaleConn> {
  return kpConn(
    connectWs(info.url as string, {
      serverId: info.serverId as string,
      reconnect: false,
      WebSocket: wsFrom(o.localAddress),
      iface: clientApi(o.onPush),
      logger: quietLogger('kp-ws client'),
    }),
  )
}
