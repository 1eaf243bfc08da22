// TEMPORARY: @kp/core's index does not export yet; switch to '@kp/core' when it does.
export { AbortedError, TransportError } from '../../core/src/errors/index.js'
export type { Connector, Transport, TransportHandlers, TransportListener } from '../../core/src/transport/transport.js'
