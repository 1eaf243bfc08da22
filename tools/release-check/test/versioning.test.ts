import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runOk } from '../src/exec.js'
import { publishedPackages, readJson, repoRoot } from '../src/workspace.js'
import { scratchGit } from './scratch-git.js'

// Checks what CONTRIBUTING.md promises about independent versions by running the real
// `changeset version` on a copy of the workspace's manifests and .changeset/config.json:
// a bump releases the named package, and its dependents only when their `workspace:^` range
// no longer covers the new version (updateInternalDependencies "patch" updates ranges only of
// packages that are released anyway).

const changesetBin = fileURLToPath(new URL('../bin/changeset.mjs', import.meta.url))
let dir = ''

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kp-versioning-'))
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'root', private: true, packageManager: 'pnpm@10.34.9' }))
  await writeFile(join(dir, 'pnpm-workspace.yaml'), 'packages:\n  - packages/*\n')
  await mkdir(join(dir, '.changeset'))
  // The real config, with changelogs off (the changelog module lives in the workspace).
  const config = { ...readJson(join(repoRoot, '.changeset', 'config.json')), changelog: false }
  await writeFile(join(dir, '.changeset', 'config.json'), JSON.stringify(config, null, 2))
  for (const pkg of publishedPackages()) {
    await mkdir(join(dir, pkg.relDir), { recursive: true })
    await writeFile(join(dir, pkg.relDir, 'package.json'), JSON.stringify(pkg.manifest, null, 2))
  }
  await scratchGit(dir, 'init', '-q')
  await scratchGit(dir, 'add', '-A')
  await scratchGit(dir, 'commit', '-q', '-m', 'released')
})

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

/** Runs `changeset version` for one changeset; returns name → [old, new] of what moved. */
async function versionWith(releases: Record<string, string>): Promise<Record<string, [string, string]>> {
  await runOk('git', ['checkout', '-q', '--', '.'], { cwd: dir })
  await runOk('git', ['clean', '-qfd', '.changeset'], { cwd: dir })
  const front = Object.entries(releases).map(([n, t]) => `"${n}": ${t}`)
  await writeFile(join(dir, '.changeset', 'a-change.md'), `---\n${front.join('\n')}\n---\n\nA change.\n`)
  await runOk(process.execPath, [changesetBin, 'version'], { cwd: dir, timeoutMs: 60_000 })
  const moved: Record<string, [string, string]> = {}
  for (const pkg of publishedPackages()) {
    const now = JSON.parse(await readFile(join(dir, pkg.relDir, 'package.json'), 'utf8'))
    if (now.version !== pkg.version) moved[pkg.name] = [pkg.version, now.version]
  }
  return moved
}

const bump = (v: string, kind: 'patch' | 'minor') => {
  const [major, minor, patch] = v.split('.').map(Number) as [number, number, number]
  if (kind === 'patch') return `${major}.${minor}.${patch + 1}`
  return major === 0 ? `0.${minor + 1}.0` : `${major}.${minor + 1}.0`
}

describe('independent versions (changeset version on a copy of the workspace)', () => {
  const v = Object.fromEntries(publishedPackages().map((p) => [p.name, p.version]))

  it('a patch to @kp/transport-udp releases only @kp/transport-udp', async () => {
    expect(await versionWith({ '@kp/transport-udp': 'patch' })).toEqual({
      '@kp/transport-udp': [v['@kp/transport-udp'], bump(v['@kp/transport-udp']!, 'patch')],
    })
  })

  it('a patch to @kp/core releases only @kp/core (still inside every dependent ^ range)', async () => {
    expect(await versionWith({ '@kp/core': 'patch' })).toEqual({ '@kp/core': [v['@kp/core'], bump(v['@kp/core']!, 'patch')] })
  })

  it('a bump of @kp/core that leaves the dependents ^ range releases each dependent as a patch', async () => {
    const moved = await versionWith({ '@kp/core': 'minor' })
    expect(moved['@kp/core']).toEqual([v['@kp/core'], bump(v['@kp/core']!, 'minor')])
    const core = publishedPackages().find((p) => p.name === '@kp/core')!
    // On 0.x a minor leaves ^0.y; from 1.0 on only a major does.
    const leavesRange = core.version.startsWith('0.')
    for (const p of publishedPackages().filter((p) => p.manifest.dependencies?.['@kp/core'])) {
      expect(moved[p.name], p.name).toEqual(leavesRange ? [p.version, bump(p.version, 'patch')] : undefined)
    }
  })

  it(`changeset add and status run on this Node (${process.version}) through bin/changeset.mjs`, async () => {
    await runOk('git', ['checkout', '-q', '--', '.'], { cwd: dir })
    await runOk('git', ['clean', '-qfd', '.changeset'], { cwd: dir })
    await runOk(process.execPath, [changesetBin, '--patch', '@kp/transport-udp', '-m', 'Fix a thing'], { cwd: dir, timeoutMs: 60_000 })
    const status = await runOk(process.execPath, [changesetBin, 'status', '--verbose'], { cwd: dir, timeoutMs: 60_000 })
    expect(status).toContain(`@kp/transport-udp -> ${bump(v['@kp/transport-udp']!, 'patch')}`)
  })
})
