import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { checkChangesets, formatReport, globToRegExp, parseChangeset } from '../src/changeset-check.js'
import { findReleaseBase } from '../src/git-base.js'
import { readJson, repoRoot } from '../src/workspace.js'
import { scratchGit } from './scratch-git.js'

describe('changesets: this repository', () => {
  it('every published package changed since the last release has a changeset', async () => {
    const report = await checkChangesets(repoRoot, process.env)
    console.log(formatReport(report))
    expect(report.problems).toEqual([])
    expect(report.missing, formatReport(report)).toEqual([])
  })

  it('.changeset/config.json: independent versions, public access, base branch main, published files', () => {
    const config = readJson(join(repoRoot, '.changeset', 'config.json'))
    expect(config).toMatchObject({ fixed: [], linked: [], access: 'public', baseBranch: 'main', updateInternalDependencies: 'patch' })
    // What needs a changeset (CONTRIBUTING.md): `changeset add` preselects the same packages.
    expect(config.changedFilePatterns).toEqual(['src/**', 'package.json', 'tsconfig.build.json'])
  })
})

describe('changesets: parsing', () => {
  it('reads front matter in the forms changesets writes', () => {
    expect(parseChangeset('---\n"@kp/core": minor\n\'@kp/crypto\': patch\n@kp/bipack: none\n---\n\ntext')).toEqual([
      { name: '@kp/core', type: 'minor' },
      { name: '@kp/crypto', type: 'patch' },
      { name: '@kp/bipack', type: 'none' },
    ])
    expect(parseChangeset('---\n---\n\nempty changeset')).toEqual([])
    expect(() => parseChangeset('no front matter')).toThrow(/front matter/)
  })

  it('matches changedFilePatterns like changesets does', () => {
    expect(globToRegExp('src/**').test('src/a/b.ts')).toBe(true)
    expect(globToRegExp('src/**').test('test/a.ts')).toBe(false)
    expect(globToRegExp('package.json').test('package.json')).toBe(true)
    expect(globToRegExp('**/*.ts').test('a.ts')).toBe(true)
  })
})

// Scenario tests on throw-away repositories: two published packages, one private app.
const tmpRoots: string[] = []
afterAll(async () => {
  for (const d of tmpRoots) await rm(d, { recursive: true, force: true })
})

const git = scratchGit
const NO_ENV = {} as NodeJS.ProcessEnv

async function write(root: string, file: string, text: string) {
  await mkdir(dirname(join(root, file)), { recursive: true })
  await writeFile(join(root, file), text)
}

function manifest(name: string, extra: object = {}) {
  return `${JSON.stringify({ name, version: '0.1.0', type: 'module', scripts: { test: 'vitest run' }, ...extra }, null, 2)}\n`
}

async function makeRepo(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'kp-changeset-repo-'))
  tmpRoots.push(root)
  await git(root, 'init', '-q')
  await write(root, '.changeset/config.json', JSON.stringify({ baseBranch: 'main', changedFilePatterns: ['src/**', 'package.json', 'tsconfig.build.json'] }))
  await write(root, '.changeset/README.md', '# Changesets\n')
  await write(root, 'packages/a/package.json', manifest('@kp/a'))
  await write(root, 'packages/a/src/index.ts', 'export const a = 1\n')
  await write(root, 'packages/b/package.json', manifest('@kp/b', { dependencies: { '@kp/a': 'workspace:^' } }))
  await write(root, 'packages/b/src/index.ts', 'export const b = 1\n')
  await write(root, 'packages/app/package.json', manifest('@kp/app', { private: true }))
  await git(root, 'add', '-A')
  await git(root, 'commit', '-q', '-m', 'initial')
  return root
}

async function changeset(root: string, file: string, releases: Record<string, string>) {
  const lines = Object.entries(releases).map(([n, t]) => `"${n}": ${t}`)
  await write(root, `.changeset/${file}.md`, `---\n${lines.join('\n')}\n---\n\nA change.\n`)
}

/** What `changeset version` + the release commit do: consume changesets, write changelogs. */
async function release(root: string, subject = 'chore: release') {
  await git(root, 'rm', '-q', '--ignore-unmatch', '.changeset/*-*.md')
  await write(root, 'packages/a/CHANGELOG.md', '# @kp/a\n\n## 0.2.0\n')
  await write(root, 'packages/b/CHANGELOG.md', '# @kp/b\n\n## 0.2.0\n')
  await git(root, 'add', '-A')
  await git(root, 'commit', '-q', '-m', subject)
}

describe('changesets: choosing the base and checking', () => {
  it('nothing released yet: every published package needs a pending changeset (private ones never)', async () => {
    const root = await makeRepo()
    let r = await checkChangesets(root, NO_ENV)
    expect(r.base.kind).toBe('initial')
    expect(r.missing).toEqual(['@kp/a', '@kp/b'])
    await changeset(root, 'a-first', { '@kp/a': 'minor' })
    await changeset(root, 'b-first', { '@kp/b': 'minor' })
    r = await checkChangesets(root, NO_ENV) // untracked changesets count
    expect(r.missing).toEqual([])
    await git(root, 'add', '-A')
    await git(root, 'commit', '-q', '-m', 'changesets')
    expect((await checkChangesets(root, NO_ENV)).missing).toEqual([])
  })

  it('after a release: only what changed since it needs a changeset', async () => {
    const root = await makeRepo()
    await changeset(root, 'a-first', { '@kp/a': 'minor', '@kp/b': 'minor' })
    await git(root, 'add', '-A')
    await git(root, 'commit', '-q', '-m', 'changesets')
    await release(root)
    const head = (await git(root, 'rev-parse', 'HEAD')).trim()

    let r = await checkChangesets(root, NO_ENV)
    expect(r.base).toMatchObject({ kind: 'commit', commit: head })
    expect(r.missing).toEqual([])

    await write(root, 'packages/a/src/index.ts', 'export const a = 2\n')
    await write(root, 'packages/a/test/a.test.ts', '// tests are not published\n')
    await write(root, 'packages/app/src/main.ts', '// private\n')
    r = await checkChangesets(root, NO_ENV)
    expect(r.missing).toEqual(['@kp/a'])
    expect(r.changed.get('@kp/a')).toEqual(['packages/a/src/index.ts'])

    await changeset(root, 'a-fix', { '@kp/a': 'patch' })
    r = await checkChangesets(root, NO_ENV)
    expect(r.missing).toEqual([])
    await git(root, 'add', '-A')
    await git(root, 'commit', '-q', '-m', 'a: fix')
    expect((await checkChangesets(root, NO_ENV)).missing).toEqual([])
  })

  it('a package.json counts only when what consumers get changes (not scripts or devDependencies)', async () => {
    const root = await makeRepo()
    await release(root, 'Version Packages')
    await write(
      root,
      'packages/b/package.json',
      manifest('@kp/b', { dependencies: { '@kp/a': 'workspace:^' }, scripts: { bench: 'x' }, devDependencies: { x: '1' } }),
    )
    expect((await checkChangesets(root, NO_ENV)).missing).toEqual([])
    await write(root, 'packages/b/package.json', manifest('@kp/b', { dependencies: { '@kp/a': 'workspace:^', ws: '^8' } }))
    expect((await checkChangesets(root, NO_ENV)).missing).toEqual(['@kp/b'])
  })

  it('a release found by its content (changesets consumed + CHANGELOG written) whatever the subject', async () => {
    const root = await makeRepo()
    await changeset(root, 'a-first', { '@kp/a': 'minor' })
    await git(root, 'add', '-A')
    await git(root, 'commit', '-q', '-m', 'changesets')
    await release(root, 'bump versions')
    const r = await checkChangesets(root, NO_ENV)
    expect(r.base).toMatchObject({ kind: 'commit', rule: expect.stringContaining('consumed changesets') })
    expect(r.missing).toEqual([])
  })

  it('bump "none" acknowledges a change without a release; unknown packages are reported', async () => {
    const root = await makeRepo()
    await release(root)
    await write(root, 'packages/a/src/index.ts', '// a comment\nexport const a = 1\n')
    await changeset(root, 'a-none', { '@kp/a': 'none', '@kp/nope': 'patch' })
    const r = await checkChangesets(root, NO_ENV)
    expect(r.missing).toEqual([])
    expect(r.problems).toEqual(['.changeset/a-none.md: "@kp/nope" is not a published package'])
  })

  it('with origin/main: a branch needs changesets for its own changes (merge-base)', async () => {
    const upstream = await makeRepo()
    await release(upstream)
    await changeset(upstream, 'a-pending', { '@kp/a': 'patch' })
    await write(upstream, 'packages/a/src/index.ts', 'export const a = 3\n')
    await git(upstream, 'add', '-A')
    await git(upstream, 'commit', '-q', '-m', 'a: change with changeset')

    const clone = await mkdtemp(join(tmpdir(), 'kp-changeset-clone-'))
    tmpRoots.push(clone)
    await git(clone, 'clone', '-q', upstream, '.')
    await git(clone, 'checkout', '-q', '-b', 'feature')
    await write(clone, 'packages/b/src/index.ts', 'export const b = 2\n')
    await git(clone, 'commit', '-q', '-am', 'b: change')
    const mergeBase = (await git(clone, 'merge-base', 'HEAD', 'origin/main')).trim()
    let r = await checkChangesets(clone, NO_ENV)
    expect(r.base).toMatchObject({ kind: 'commit', commit: mergeBase, rule: expect.stringContaining('origin/main') })
    expect(r.missing).toEqual(['@kp/b']) // a's change and changeset are main's, not this branch's
    await changeset(clone, 'b-change', { '@kp/b': 'patch' })
    r = await checkChangesets(clone, NO_ENV)
    expect(r.missing).toEqual([])

    // KP_RELEASE_BASE wins over origin/main; a wrong value fails loudly.
    r = await checkChangesets(clone, { KP_RELEASE_BASE: 'HEAD' })
    expect(r.base).toMatchObject({ kind: 'commit', rule: expect.stringContaining('KP_RELEASE_BASE') })
    await expect(findReleaseBase(clone, { KP_RELEASE_BASE: 'no-such-ref' })).rejects.toThrow(/KP_RELEASE_BASE/)
  })

  it('a fresh clone with only main and no remote: passes when every changed package has a pending changeset', async () => {
    const upstream = await makeRepo()
    await release(upstream)
    await write(upstream, 'packages/a/src/index.ts', 'export const a = 4\n')
    await changeset(upstream, 'a-pending', { '@kp/a': 'minor' })
    await git(upstream, 'add', '-A')
    await git(upstream, 'commit', '-q', '-m', 'a: change')

    const clone = await mkdtemp(join(tmpdir(), 'kp-changeset-clone-'))
    tmpRoots.push(clone)
    await git(clone, 'clone', '-q', upstream, '.')
    await git(clone, 'remote', 'remove', 'origin')
    const r = await checkChangesets(clone, NO_ENV)
    expect(r.base).toMatchObject({ kind: 'commit', rule: expect.stringContaining('release') })
    expect(r.missing).toEqual([])
  })

  it('a shallow clone cut before the last release and without a remote is skipped, never failed', async () => {
    const upstream = await makeRepo()
    await release(upstream)
    await write(upstream, 'packages/a/src/index.ts', 'export const a = 5\n')
    await git(upstream, 'commit', '-q', '-am', 'a: change without changeset')

    const clone = await mkdtemp(join(tmpdir(), 'kp-changeset-clone-'))
    tmpRoots.push(clone)
    await git(clone, 'clone', '-q', '--depth', '1', `file://${upstream}`, '.')
    // With origin/main (a fresh CI clone of main): merge-base is HEAD, nothing to check.
    expect((await checkChangesets(clone, NO_ENV)).missing).toEqual([])
    await git(clone, 'remote', 'remove', 'origin')
    const r = await checkChangesets(clone, NO_ENV)
    expect(r.base).toMatchObject({ kind: 'skip', rule: expect.stringContaining('shallow') })
    expect(r.missing).toEqual([])
  })

  it('outside a git checkout the check is skipped', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kp-changeset-nogit-'))
    tmpRoots.push(dir)
    expect((await findReleaseBase(dir, NO_ENV)).kind).toBe('skip')
  })
})
