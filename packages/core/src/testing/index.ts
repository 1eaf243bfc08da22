/** Test utilities for transport authors (need vitest): the `Transport` contract suite and the end-to-end conformance suite. */
export { type ConformanceTarget, runTransportConformance, type SuiteProbe, SuiteNotFound, suiteApi, type Tap } from './conformance.js'
export { runTransportContract, type TransportContractTarget, type TransportPair } from './transport-contract.js'
/** Hostile-peer fuzzing: seeded generators, raw peers, the campaign runner and the fuzz suite. */
export { FuzzRandom, fuzzSeed } from './fuzz-random.js'
export {
  defaultFuzzLimits,
  type FuzzLimits,
  FuzzRefused,
  type FuzzServerStats,
  fuzzApi,
  fuzzClientInterface,
  fuzzCommandNames,
  fuzzServeOptions,
  fuzzServerInterface,
  newFuzzServerStats,
} from './fuzz-api.js'
export * as hostileFrames from './hostile-frames.js'
export * as hostileMessages from './hostile-messages.js'
export { RawLink } from './raw-link.js'
export { RawClient, type RawClientOptions, type RawHandshakeOutcome } from './raw-client.js'
export {
  casesFor,
  frameHeavyWeight,
  type CaseContext,
  type CaseVerdict,
  type FuzzGroup,
  type FuzzOutcome,
  type FuzzTargetInfo,
  type HostileCase,
  hostileCases,
} from './hostile-cases.js'
export { type CaseRecord, type CaseTotals, type HostileCampaignOptions, type HostileCampaignResult, runHostileCampaign } from './hostile-campaign.js'
export { checkServerSide, closeCode, type ListenerObserver, type ObservedTransport, observeListener } from './server-observer.js'
export { type CrashTrap, heapUsedAfterGc, installCrashTrap } from './crash-trap.js'
export { type GoodClient, type GoodClientOptions, type GoodClientReport, startGoodClient } from './good-client.js'
export { type FuzzExtraPhase, type FuzzHarness, type FuzzPhaseReport, type FuzzReport, type FuzzTransportTarget, startFuzzHarness } from './fuzz-harness.js'
export { expectPhaseClean, expectRunClean, fuzzGroupTitles, type FuzzSuiteTarget, runClientFuzzSuite, runFuzzSuite } from './fuzz-suite.js'
export { RawServer } from './raw-server.js'
export { type ClientCase, type ClientCaseContext, clientCases, type ClientFuzzReport, type ClientFuzzTarget, runClientFuzz } from './client-fuzz.js'
export { runStreamConformance, type StreamSuiteHooks, type StreamTargetOptions, streamSuiteApi, SuiteStreamBroken } from './stream-conformance.js'
/** Resumable sessions (PROTOCOL.md 15): cut a connection in the middle of traffic, and the end-to-end scenario. */
export { type Cuttable, cuttable } from './cuttable.js'
export { type ResumeScenarioOptions, type ResumeScenarioReport, runResumeScenario } from './resume-scenario.js'
