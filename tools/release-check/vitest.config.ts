import { kpVitestConfig } from '../../vitest.shared.ts'

const config = kpVitestConfig({ testTimeout: 240_000 })
// Packs every package once for all test files (tarballs are provided to them via inject()).
config.test!.globalSetup = ['test/global-setup.ts']
export default config
