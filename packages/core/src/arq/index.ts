/**
 * `@kp/core/arq`: the reliable datagram engine of PROTOCOL.md 9 (KCP-style ARQ), pure logic.
 * (Host contract: see the end of this comment block once finalised.)
 */
export { ArqEngine, arqMaxMessageSize, arqMss, type ArqEngineOptions, type ArqStats } from './engine.js'
export { ArqDecodeError } from './arq-decode-error.js'
export { ArqDefaults, MAX_FRAGMENTS, SegTag } from './constants.js'
export { decodeArqPayload, encodeArqPayload, type ArqPayload, type ArqSegment } from './codec.js'
export {
  ArqSimulator,
  type ArqProfile,
  type EchoOptions,
  type EchoResult,
  type NetworkOptions,
  runEcho,
  seededRandom,
  SimLink,
  SimPeer,
  type SimulatorOptions,
} from './simulator.js'
