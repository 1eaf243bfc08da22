export { ClientNotFoundError } from './client-not-found-error.js'
export { ClusterClosedError } from './cluster-closed-error.js'
export { ClusterLimitError } from './cluster-limit-error.js'
export { NodeLostError } from './node-lost-error.js'
