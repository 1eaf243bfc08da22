/** Test utilities for transport authors: the shared conformance suite (needs vitest). */
export { type ConformanceTarget, runTransportConformance, type SuiteProbe, SuiteNotFound, suiteApi, type Tap } from './conformance.js'
export { runStreamConformance, type StreamSuiteHooks, type StreamTargetOptions, streamSuiteApi, SuiteStreamBroken } from './stream-conformance.js'
