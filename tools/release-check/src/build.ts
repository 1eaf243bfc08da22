import { runOk } from './exec.js'
import { repoRoot } from './workspace.js'

/**
 * Builds every published package with turbo (cache hits when current), unless this already runs
 * under turbo (`pnpm test` at the root, whose `^build` did it) or `KP_SKIP_BUILD` is set (pack
 * whatever `dist/` holds). Returns whether it built.
 */
export async function buildPackages(log: (line: string) => void): Promise<boolean> {
  if (process.env.TURBO_HASH || process.env.KP_SKIP_BUILD) return false
  log('building the packages (turbo, cached)…')
  await runOk('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=@kp/release-check^...', '--output-logs=errors-only'], {
    cwd: repoRoot,
    timeoutMs: 600_000,
  })
  return true
}
