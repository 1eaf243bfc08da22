import { type Connector, type ConnectOptions, connect, type KiloClient } from '@kp/core'
import type { WsConnectorOptions } from './options.js'

/** Options of `connectWs`: core's client options plus the WebSocket ones. */
export type ConnectWsOptions = ConnectOptions & WsConnectorOptions

/** Shared body of both entry points' `connectWs`. @internal */
export function connectWith(
  wsConnector: (url: string | URL, options?: WsConnectorOptions) => Connector,
  url: string | URL,
  options: ConnectWsOptions = {},
): KiloClient {
  const { maxFrame, maxBuffered, memoryBudget, connectTimeoutMs, WebSocket, ...core } = options
  const ws: WsConnectorOptions = {}
  if (maxFrame !== undefined) ws.maxFrame = maxFrame
  if (maxBuffered !== undefined) ws.maxBuffered = maxBuffered
  if (memoryBudget !== undefined) ws.memoryBudget = memoryBudget
  if (connectTimeoutMs !== undefined) ws.connectTimeoutMs = connectTimeoutMs
  if (WebSocket !== undefined) ws.WebSocket = WebSocket
  return connect(wsConnector(url, ws), core)
}
