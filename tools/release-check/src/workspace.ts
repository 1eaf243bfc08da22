import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root (this file is tools/release-check/src/workspace.ts). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '')

/** A package.json, loosely typed: the checks look at any field. */
export type Manifest = Record<string, any>

/** One package that is published to npm (every non-private package under packages/). */
export interface PublishedPackage {
  name: string
  version: string
  /** Absolute directory. */
  dir: string
  /** Directory relative to the repository root, e.g. `packages/core`. */
  relDir: string
  manifest: Manifest
  /** Runs in browsers (no `node:` import on its browser entry), per docs/ARCHITECTURE.md. */
  browser: boolean
}

/**
 * The packages that must run in browsers (CONVENTIONS.md): they state browser support in their
 * README, and the consumer test bundles them for a browser.
 */
export const BROWSER_PACKAGES: ReadonlySet<string> = new Set(['@kp/bipack', '@kp/crypto', '@kp/core', '@kp/transport-ws-client'])

/** Reads a JSON file. */
export function readJson(file: string): Manifest {
  return JSON.parse(readFileSync(file, 'utf8')) as Manifest
}

/** Every published package, sorted by directory, read fresh from disk. */
export function publishedPackages(root = repoRoot): PublishedPackage[] {
  const base = join(root, 'packages')
  const out: PublishedPackage[] = []
  for (const entry of readdirSync(base).sort()) {
    const dir = join(base, entry)
    const file = join(dir, 'package.json')
    if (!existsSync(file)) continue
    const manifest = readJson(file)
    if (manifest.private === true) continue
    out.push({
      name: manifest.name,
      version: manifest.version,
      dir,
      relDir: relative(root, dir),
      manifest,
      browser: BROWSER_PACKAGES.has(manifest.name),
    })
  }
  return out
}
