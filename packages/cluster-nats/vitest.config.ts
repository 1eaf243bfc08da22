import { kpVitestConfig } from '../../vitest.shared.ts'

export default kpVitestConfig()
