import { existsSync } from 'node:fs'
import { mkdir, readFile, readdir } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { run, runOk } from './exec.js'
import type { Manifest, PublishedPackage } from './workspace.js'

/** A packed package: the tarball, and what is inside it. */
export interface Packed {
  name: string
  version: string
  tarball: string
  /** Paths inside the tarball, without the leading `package/`, sorted. */
  files: string[]
  /** The package.json as published (after pnpm applied publishConfig and workspace: ranges). */
  manifest: Manifest
}

/**
 * `pnpm pack` for one package, exactly as `changeset publish` (which runs `pnpm publish` in a
 * pnpm workspace) would pack it: publishConfig overrides applied, `workspace:^` rewritten.
 */
export async function pack(pkg: PublishedPackage, destDir: string): Promise<Packed> {
  for (const field of ['main', 'types']) {
    const file = join(pkg.dir, String(pkg.manifest[field]))
    if (!existsSync(file)) throw new Error(`${pkg.relDir} is not built: ${pkg.manifest[field]} is missing (run pnpm build)`)
  }
  await mkdir(destDir, { recursive: true })
  const before = new Set(await readdir(destDir))
  await runOk('pnpm', ['pack', '--pack-destination', destDir], { cwd: pkg.dir, timeoutMs: 120_000 })
  const created = (await readdir(destDir)).filter((f) => f.endsWith('.tgz') && !before.has(f))
  if (created.length !== 1) throw new Error(`pnpm pack in ${pkg.relDir} made ${created.length} tarballs: ${created.join(', ')}`)
  const tarball = join(destDir, created[0]!)
  return inspectTarball(tarball)
}

/** Lists a tarball and reads its package.json (with the system `tar`). */
export async function inspectTarball(tarball: string): Promise<Packed> {
  const list = await runOk('tar', ['-tzf', tarball])
  const files = list
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''))
    .sort()
  const manifestText = await runOk('tar', ['-xzOf', tarball, 'package/package.json'])
  const manifest = JSON.parse(manifestText) as Manifest
  return { name: manifest.name, version: manifest.version, tarball, files, manifest }
}

/** Unpacks a tarball into `dir` (its files end up under `dir/package/`). */
export async function unpack(tarball: string, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true })
  await runOk('tar', ['-xzf', tarball, '-C', dir])
  return join(dir, 'package')
}

/** Reads one file out of a tarball. */
export async function readFromTarball(tarball: string, path: string): Promise<string> {
  const r = await run('tar', ['-xzOf', tarball, `package/${path}`])
  if (r.code !== 0) throw new Error(`${basename(tarball)} has no ${path}`)
  return r.stdout
}

/** Reads a tarball into memory (for publint's `pack: { tarball }`). */
export async function tarballBytes(tarball: string): Promise<ArrayBuffer> {
  const b = await readFile(tarball)
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer
}
