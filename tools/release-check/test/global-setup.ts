import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { buildPackages } from '../src/build.js'
import { type Packed, pack } from '../src/pack.js'
import { publishedPackages } from '../src/workspace.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Every published package, packed with `pnpm pack` (name → tarball and contents). */
    packed: Record<string, Packed>
    /** Why packing failed (the tarball and consumer tests fail with it; the others still run). */
    packError: string | null
  }
}

/**
 * Packs every published package once for all test files. Under turbo (`pnpm test` at the
 * root) the packages were just built by this task's `^build` dependency; run on its own
 * (`pnpm test` in this folder) it asks turbo for the builds first (cache hits when current;
 * `KP_SKIP_BUILD=1` packs whatever `dist/` holds).
 */
export default async function setup(project: TestProject) {
  const started = Date.now()
  await buildPackages((line) => console.log(`[release-check] not under turbo: ${line}`))
  const dir = await mkdtemp(join(tmpdir(), 'kp-pack-'))
  const packed: Record<string, Packed> = {}
  let packError: string | null = null
  try {
    for (const pkg of publishedPackages()) packed[pkg.name] = await pack(pkg, dir)
    console.log(`[release-check] packed ${Object.keys(packed).length} packages into ${dir} in ${Date.now() - started} ms`)
  } catch (e) {
    packError = (e as Error).message
    console.log(`[release-check] packing failed: ${packError}`)
  }
  project.provide('packed', packed)
  project.provide('packError', packError)
  return async () => {
    await rm(dir, { recursive: true, force: true })
  }
}
