import { defineConfig } from 'vitest/config'

/**
 * Shared vitest settings: tests read sibling packages' sources through the `@kp/source`
 * export condition, so a test run never waits for a build.
 */
export function kpVitestConfig(overrides: { testTimeout?: number; include?: string[] } = {}) {
  const conditions = ['@kp/source', 'node', 'import', 'module', 'default']
  return defineConfig({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@kp/source', 'node'] } },
    test: {
      include: overrides.include ?? ['test/**/*.test.ts'],
      testTimeout: overrides.testTimeout ?? 20_000,
      hookTimeout: 20_000,
      pool: 'forks',
      passWithNoTests: true,
      execArgv: ['--expose-gc'],
      reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    },
  })
}
