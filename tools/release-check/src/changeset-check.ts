import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { findReleaseBase, git, type ReleaseBase } from './git-base.js'
import { type Manifest, publishedPackages, readJson, repoRoot } from './workspace.js'

/** One changeset file and the packages it names. */
export interface ChangesetFile {
  file: string
  releases: Array<{ name: string; type: string }>
}

/** What the changeset check found. */
export interface ChangesetReport {
  base: ReleaseBase
  /** Published packages whose published content changed since the base, with the files. */
  changed: Map<string, string[]>
  /** Changesets counted (added or edited since the base, or untracked). */
  changesets: ChangesetFile[]
  /** Changed packages that no counted changeset names: the failures. */
  missing: string[]
  /** Invalid changesets: unknown or private packages, unknown bump types. */
  problems: string[]
}

const BUMPS = new Set(['major', 'minor', 'patch', 'none'])

/** Parses a changeset's front matter (`"@kp/core": minor` lines between `---` fences). */
export function parseChangeset(text: string): Array<{ name: string; type: string }> {
  const m = /^---\r?\n([\s\S]*?)\r?\n?---/.exec(text.trimStart())
  if (!m) throw new Error('no front matter (--- "package": bump ---)')
  const out: Array<{ name: string; type: string }> = []
  for (const raw of m[1]!.split(/\r?\n/)) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const lm = /^(["']?)(@?[^"':\s]+)\1\s*:\s*(\S+)\s*$/.exec(line)
    if (!lm) throw new Error(`cannot read front matter line ${JSON.stringify(line)}`)
    out.push({ name: lm[2]!, type: lm[3]! })
  }
  return out
}

/** A glob (`**`, `*`, `?`) as a regular expression over `/`-separated paths. */
export function globToRegExp(glob: string): RegExp {
  let re = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!
    if (c === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/'
      re += slash ? '(?:.*/)?' : '.*'
      i += slash ? 2 : 1
    } else if (c === '*') re += '[^/]*'
    else if (c === '?') re += '[^/]'
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${re}$`)
}

/** The part of a package.json a consumer gets: everything but scripts and devDependencies. */
export function publishedView(m: Manifest): Manifest {
  const { scripts: _s, devDependencies: _d, ...rest } = m
  return rest
}

function splitZ(out: string | null): string[] {
  return (out ?? '').split('\0').filter(Boolean)
}

/**
 * Fails (in `missing`) every published package whose published content changed since the last
 * release (see findReleaseBase) while no changeset added since then names it. "Published
 * content" is `changedFilePatterns` of .changeset/config.json inside the package (src/**,
 * tsconfig.build.json, package.json); a package.json counts only when something other than
 * scripts or devDependencies changed. A changeset with bump `none` acknowledges a change that
 * needs no release.
 */
export async function checkChangesets(root = repoRoot, env: NodeJS.ProcessEnv = process.env): Promise<ChangesetReport> {
  const config = readJson(join(root, '.changeset', 'config.json'))
  const patterns: string[] = config.changedFilePatterns ?? ['**']
  const matchers = patterns.map(globToRegExp)
  const packages = publishedPackages(root)
  const base = await findReleaseBase(root, env, config.baseBranch ?? 'main')
  const report: ChangesetReport = { base, changed: new Map(), changesets: [], missing: [], problems: [] }
  if (base.kind === 'skip') return report

  // Changed files: tracked changes against the base (staged or not), plus untracked files.
  const untracked = splitZ(await git(root, ['ls-files', '-z', '--others', '--exclude-standard']))
  if (base.kind === 'initial') {
    for (const p of packages) report.changed.set(p.name, ['(nothing released yet)'])
  } else {
    const tracked = splitZ(await git(root, ['diff', '-z', '--name-only', '--no-renames', base.commit]))
    for (const file of new Set([...tracked, ...untracked])) {
      const pkg = packages.find((p) => file.startsWith(`${p.relDir}/`))
      if (!pkg) continue
      const rel = file.slice(pkg.relDir.length + 1)
      if (!matchers.some((m) => m.test(rel))) continue
      if (rel === 'package.json' && !(await manifestChanged(root, base.commit, file))) continue
      report.changed.set(pkg.name, [...(report.changed.get(pkg.name) ?? []), file])
    }
  }

  // Changesets: every pending one when nothing was released; otherwise those added or edited
  // since the base (a release consumes all of them, so these are the ones pending since it).
  const dir = join(root, '.changeset')
  const pending = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md') : []
  let counted = pending
  if (base.kind === 'commit') {
    const since = new Set(splitZ(await git(root, ['diff', '-z', '--name-only', '--diff-filter=AMR', base.commit, '--', '.changeset'])))
    for (const f of untracked) since.add(f)
    counted = pending.filter((f) => since.has(`.changeset/${f}`))
  }
  const byName = new Map(packages.map((p) => [p.name, p]))
  const covered = new Set<string>()
  for (const f of counted.sort()) {
    let releases: ChangesetFile['releases']
    try {
      releases = parseChangeset(readFileSync(join(dir, f), 'utf8'))
    } catch (e) {
      report.problems.push(`.changeset/${f}: ${(e as Error).message}`)
      continue
    }
    report.changesets.push({ file: `.changeset/${f}`, releases })
    for (const r of releases) {
      if (!byName.has(r.name)) report.problems.push(`.changeset/${f}: "${r.name}" is not a published package`)
      if (!BUMPS.has(r.type)) report.problems.push(`.changeset/${f}: "${r.name}": bump must be major, minor, patch or none, got "${r.type}"`)
      covered.add(r.name)
    }
  }
  report.missing = [...report.changed.keys()].filter((name) => !covered.has(name)).sort()
  return report
}

async function manifestChanged(root: string, commit: string, file: string): Promise<boolean> {
  const before = await git(root, ['show', `${commit}:${file}`])
  if (before === null) return true
  const now = existsSync(join(root, file)) ? readFileSync(join(root, file), 'utf8') : null
  if (now === null) return true
  try {
    return JSON.stringify(publishedView(JSON.parse(before))) !== JSON.stringify(publishedView(JSON.parse(now)))
  } catch {
    return true
  }
}

/** A human-readable account of a report, for test output and the CLI. */
export function formatReport(r: ChangesetReport): string {
  const lines = [`changeset check: base = ${r.base.kind === 'commit' ? `${r.base.commit.slice(0, 12)} (${r.base.rule})` : `${r.base.kind} (${r.base.rule})`}`]
  if (r.base.kind === 'skip') return lines.concat('  skipped').join('\n')
  for (const [name, files] of r.changed) {
    const shown = files.slice(0, 3).join(', ') + (files.length > 3 ? `, … (${files.length} files)` : '')
    lines.push(`  changed ${name}: ${shown}${r.missing.includes(name) ? '  <-- NO CHANGESET' : ''}`)
  }
  for (const c of r.changesets) lines.push(`  ${c.file}: ${c.releases.map((x) => `${x.name} ${x.type}`).join(', ') || '(empty)'}`)
  for (const p of r.problems) lines.push(`  problem: ${p}`)
  if (r.missing.length) {
    lines.push(`  ${r.missing.length} changed package(s) without a changeset: ${r.missing.join(', ')}`)
    lines.push('  fix: run `pnpm changeset` and pick them (bump "none" if a change needs no release)')
  }
  return lines.join('\n')
}
