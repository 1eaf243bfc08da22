import { kpVitestConfig } from '../../vitest.shared.ts'

export default kpVitestConfig({ testTimeout: 60_000 })
