/**
 * `pnpm --filter @kp/release-check sync:publish-config`: rewrites `publishConfig.exports` of
 * every published package as its `exports` without the `@kp/source` condition (what pnpm
 * pack/publish put in the tarball). Touches no other field; run it after editing `exports`.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stripSourceCondition } from './manifest-check.js'
import { publishedPackages } from './workspace.js'

for (const pkg of publishedPackages()) {
  const file = join(pkg.dir, 'package.json')
  const text = readFileSync(file, 'utf8')
  const m = JSON.parse(text) as Record<string, unknown>
  const publishConfig = { access: 'public', ...(m.publishConfig as object | undefined), exports: stripSourceCondition(m.exports) }
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(m)) {
    if (k === 'publishConfig') continue
    out[k] = v
    if (k === 'files') out.publishConfig = publishConfig
  }
  if (!('publishConfig' in out)) out.publishConfig = publishConfig
  const next = `${JSON.stringify(out, null, 2)}\n`
  if (next !== text) {
    writeFileSync(file, next)
    console.log(`updated ${pkg.relDir}/package.json`)
  }
}
