/**
 * @kp/core: the Kiloparsec protocol (handshake, encrypted records, full-duplex typed RPC) over
 * any transport that moves whole frames.
 */
export * from './errors/index.js'
export * from './transport/index.js'
export { command, type Command, type ArgsOf, type ResultOf } from './rpc/command.js'
export { KiloInterface, type Handler, type HandlerResult } from './rpc/kilo-interface.js'
export type { CallContext, CallOptions, PeerApi, SessionContext } from './rpc/context.js'
export { channel, sink, stream } from './stream/define.js'
export {
  isStreamDefinition,
  type AnyStreamDefinition,
  type ChannelDefinition,
  type SinkDefinition,
  type StreamDefinition,
  type StreamShape,
} from './stream/definitions.js'
export { RemoteStream } from './stream/remote-stream.js'
export type { ChannelHandler, SinkHandler, SinkOptions, StreamHandler, StreamOptions, StreamSource } from './stream/types.js'
export { ApplicationError, defaultErrorRegistry, defineError, ErrorRegistry, type ApplicationErrorClass } from './rpc/application-error.js'
export type { RecordStats } from './record/record-opener.js'
export { serve, KiloServer, type AuthorizeInfo, type ResumeServeOptions, type ServeOptions, type ServerEvents } from './server/kilo-server.js'
export { integerOption } from './util/options.js'
export { Emitter } from './util/emitter.js'
export { connect } from './client/connect.js'
export { KiloClient, type ClientEvents, type ClientState, type ConnectOptions, type ReadyOptions, type ReconnectOptions } from './client/kilo-client.js'
export { type KnownServers, memoryKnownServers } from './client/known-servers.js'
export {
  DEFAULT_KNOWN_SERVER_PREFIX,
  localStorageKnownServers,
  type LocalStorageKnownServersOptions,
  type StorageLike,
} from './client/local-storage-known-servers.js'
export type { PinningOptions, ServerCheck, ServerCheckOutcome } from './client/server-check.js'
export { type TrustOutcome, trustOnFirstUse } from './client/trust-on-first-use.js'
export { MemoryBudget, DEFAULT_PROCESS_BUDGET_BYTES, processMemoryBudget, setProcessMemoryBudget } from './limits/memory-budget.js'
export { consoleLogger, defaultLogger, silentLogger, type Logger } from './util/logger.js'
export { Defaults, ErrorCode, FrameType, PROTOCOL_VERSION, RejectCode } from './protocol/constants.js'
// Re-exported so an app needs only @kp/core for keys and schemas.
export { PublicKey, SigningKey } from '@kp/crypto'
export * as bp from '@kp/bipack'
