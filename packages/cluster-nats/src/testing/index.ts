/**
 * `@kp/cluster-nats/testing`: start a real `nats-server` (Debian's package) for tests, demos and
 * benchmarks. Node only.
 * @module
 */
export { findNatsServer, freePort, NATS_INSTALL_HINT, type NatsServerOptions, type NatsServerProcess, startNatsServer } from './nats-server.js'
