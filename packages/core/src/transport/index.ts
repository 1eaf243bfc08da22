export type { Connector, Transport, TransportHandlers, TransportListener } from './transport.js'
export { memoryPair, type MemoryTransportOptions } from './memory-transport.js'
export { memoryConnector, memoryListener, type MemoryListenerOptions } from './memory-listener.js'
export { TransportCode, type TransportCodeValue } from './transport-codes.js'
