/** Test utilities for transport authors: the shared conformance suite (needs vitest). */
export { type ConformanceTarget, runTransportConformance, type SuiteProbe, SuiteNotFound, suiteApi, type Tap } from './conformance.js'
