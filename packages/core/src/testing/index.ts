/** Test utilities for transport authors (need vitest): the `Transport` contract suite and the end-to-end conformance suite. */
export { type ConformanceTarget, runTransportConformance, type SuiteProbe, SuiteNotFound, suiteApi, type Tap } from './conformance.js'
export { runTransportContract, type TransportContractTarget, type TransportPair } from './transport-contract.js'
