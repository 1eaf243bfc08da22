import { existsSync, readdirSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildPackages } from './build.js'
import { createConsumer, runNode } from './consumer.js'
import { pack } from './pack.js'
import { publishedPackages, repoRoot } from './workspace.js'

/** The file that marks a directory as made by try-tarballs (so a second run may replace it). */
export const MARKER = '.kp-try-tarballs'

/** The consumer test's programs, copied into the scratch app as examples to run and edit. */
export const FIXTURES = fileURLToPath(new URL('../test/consumer/', import.meta.url))

/**
 * Where the scratch app goes. `arg` is relative to `cwd` (the directory the user ran pnpm from);
 * without it, a new directory in the system's temp folder. Refuses a directory inside the
 * repository (the app must install like a user's, outside the workspace) and a non-empty
 * directory that an earlier run did not make. Returns null for "make a temp directory".
 */
export function resolveTryDir(arg: string | undefined, cwd: string, root = repoRoot): string | null {
  if (arg === undefined || arg === '') return null
  const dir = isAbsolute(arg) ? arg : resolve(cwd, arg)
  const rel = relative(root, dir)
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
    throw new Error(`${dir} is inside the repository: choose a directory outside it, so the app installs like a user's`)
  }
  if (existsSync(dir) && readdirSync(dir).length > 0 && !existsSync(join(dir, MARKER))) {
    throw new Error(`${dir} is not empty and was not made by try-tarballs: choose a new or empty directory`)
  }
  return dir
}

/** What {@link tryTarballs} made. */
export interface TryResult {
  /** The scratch app: package.json, node_modules with every @kp/* package from its tarball. */
  app: string
  /** The tarballs, one per published package. */
  tarballs: string[]
  /** What the smoke program printed: one call over TCP, UDP and WebSocket. */
  smoke: unknown
}

/**
 * Packs every published package exactly as `pnpm publish` would (after building them) and
 * installs all the tarballs together with plain npm into a scratch app outside the workspace,
 * like the consumer test's shape (c); then runs its program (one call over TCP, UDP and
 * WebSocket) to show the install works. Every internal tarball is needed: a tarball's `@kp/*`
 * dependencies are version ranges that npm would otherwise fetch from the registry.
 */
export async function tryTarballs(dirArg: string | undefined, cwd: string, log: (line: string) => void): Promise<TryResult> {
  const chosen = resolveTryDir(dirArg, cwd)
  const dir = chosen ?? (await mkdtemp(join(tmpdir(), 'kp-try-')))
  if (chosen && existsSync(join(chosen, MARKER))) {
    log(`replacing the earlier try in ${chosen}`)
    await rm(chosen, { recursive: true, force: true })
  }
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, MARKER), 'made by pnpm --filter @kp/release-check try-tarballs\n')
  await buildPackages(log)
  const packages = publishedPackages()
  const tarballDir = join(dir, 'tarballs')
  const tarballs: string[] = []
  for (const pkg of packages) {
    const p = await pack(pkg, tarballDir)
    tarballs.push(p.tarball)
    log(`packed ${p.name}@${p.version} → ${relative(dir, p.tarball)}`)
  }
  const app = join(dir, 'app')
  log(`npm install of all ${tarballs.length} tarballs into ${app}…`)
  await createConsumer(app, 'kp-try-tarballs', tarballs, FIXTURES)
  log('running shape-c.mjs (one call over TCP, UDP and WebSocket)…')
  const smoke = await runNode(app, ['shape-c.mjs'])
  log(`shape-c.mjs: ${JSON.stringify(smoke)}`)
  return { app, tarballs, smoke }
}
