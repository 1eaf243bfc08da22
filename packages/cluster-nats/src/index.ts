/**
 * @kp/cluster-nats: the `KiloServer`s of many processes and machines as one service. Push and call
 * a client wherever it is connected, topics that reach members on every node, presence with node
 * liveness, over NATS (or any {@link ClusterBus}), optionally sealed with a cluster key.
 */
export { type ClientLocation, Cluster, type ClusterCallOptions, type ClusterEvents, type ClusterStats, createCluster, type PublishOptions } from './cluster.js'
export type { ClusterOptions } from './options.js'
export type { NodeInfo } from './presence-table.js'
export { type ClusterTarget, MAX_APP_KEY } from './target.js'
export type { BusEvent, BusHandler, BusSubscription, ClusterBus } from './bus/cluster-bus.js'
export { MemoryBusHub, type MemoryBusOptions } from './bus/memory-bus.js'
export { type NatsBus, type NatsBusOptions, natsBus } from './bus/nats-bus.js'
export { ClientNotFoundError, ClusterClosedError, ClusterLimitError, NodeLostError } from './errors/index.js'
