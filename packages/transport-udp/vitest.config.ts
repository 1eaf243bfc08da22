import { mergeConfig } from 'vitest/config'
import { kpVitestConfig } from '../../vitest.shared.ts'

// --expose-gc: the conformance suite checks that a closed session is freed.
export default mergeConfig(kpVitestConfig(), { test: { execArgv: ['--expose-gc'] } })
