import { run } from './exec.js'

/**
 * Where "since the last release" starts for the changeset check.
 * - `commit`: files changed between this commit and the working tree count;
 * - `initial`: nothing was ever released, so every published package counts as changed;
 * - `skip`: the history needed to tell is not there (no git, or a shallow clone cut before the
 *   last release): the check reports why and passes instead of failing spuriously.
 */
export type ReleaseBase = { kind: 'commit'; commit: string; rule: string } | { kind: 'initial'; rule: string } | { kind: 'skip'; rule: string }

/** Subjects of release commits: ours (`chore: release`) and the changesets action's default. */
export const RELEASE_SUBJECT = '^(chore(\\([^)]*\\))?: release|version packages)'

/** Runs git in `cwd`; resolves null when git is missing or the command fails. */
export async function git(cwd: string, args: string[]): Promise<string | null> {
  try {
    const r = await run('git', args, { cwd, timeoutMs: 60_000, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' } })
    return r.code === 0 ? r.stdout : null
  } catch {
    return null
  }
}

async function mergeBase(cwd: string, ref: string): Promise<string | null> {
  const out = await git(cwd, ['merge-base', 'HEAD', ref])
  return out?.trim() || null
}

/** Newest commit of HEAD's history that released packages, and which rule found it. */
export async function lastReleaseCommit(cwd: string): Promise<{ commit: string; rule: string } | null> {
  const bySubject = (await git(cwd, ['log', '-1', '--format=%H', '-E', '-i', `--grep=${RELEASE_SUBJECT}`, 'HEAD']))?.trim() || null

  // `changeset version` deletes the pending changesets and writes CHANGELOG.md files in the
  // same commit; a commit that does both is a release whatever its subject says.
  let byContent: string | null = null
  const deleting = (await git(cwd, ['log', '--format=%H', '--diff-filter=D', '-n', '50', 'HEAD', '--', ':(glob).changeset/*.md'])) ?? ''
  for (const commit of deleting.split('\n').filter(Boolean)) {
    const changelogs = await git(cwd, ['diff-tree', '--no-commit-id', '--name-only', '-r', commit, '--', ':(glob)packages/*/CHANGELOG.md'])
    if (changelogs?.trim()) {
      byContent = commit
      break
    }
  }
  if (bySubject && byContent) {
    // Both on HEAD's history, so one is an ancestor of the other: take the newer.
    const subjectIsOlder = (await git(cwd, ['merge-base', '--is-ancestor', bySubject, byContent])) !== null
    return subjectIsOlder
      ? { commit: byContent, rule: 'the last commit that consumed changesets and wrote CHANGELOG.md files' }
      : { commit: bySubject, rule: 'the last release commit ("chore: release" / "Version Packages")' }
  }
  if (bySubject) return { commit: bySubject, rule: 'the last release commit ("chore: release" / "Version Packages")' }
  if (byContent) return { commit: byContent, rule: 'the last commit that consumed changesets and wrote CHANGELOG.md files' }
  return null
}

/**
 * Picks the base of the changeset check, first rule that applies:
 * 1. `KP_RELEASE_BASE` (a commit or ref; CI on a pull request can pass the target branch):
 *    its merge-base with HEAD;
 * 2. `origin/<baseBranch>` when that remote branch exists: its merge-base with HEAD, so a
 *    branch needs changesets for its own changes (on an up-to-date main this is HEAD itself,
 *    and only uncommitted work is checked);
 * 3. the last release commit on HEAD's history (see {@link lastReleaseCommit});
 * 4. no release found: in a full history nothing was ever released (`initial`); in a shallow
 *    clone the release may be beyond the cut, so the check is skipped with the reason.
 */
export async function findReleaseBase(cwd: string, env: NodeJS.ProcessEnv = process.env, baseBranch = 'main'): Promise<ReleaseBase> {
  if ((await git(cwd, ['rev-parse', '--is-inside-work-tree']))?.trim() !== 'true') {
    return { kind: 'skip', rule: 'not a git checkout (or git is not installed): nothing to compare with' }
  }
  if ((await git(cwd, ['rev-parse', '--verify', '-q', 'HEAD'])) === null) {
    return { kind: 'initial', rule: 'no commit yet: every published package counts as changed' }
  }

  const explicit = env.KP_RELEASE_BASE?.trim()
  if (explicit) {
    if ((await git(cwd, ['rev-parse', '--verify', '-q', `${explicit}^{commit}`])) === null) {
      throw new Error(`KP_RELEASE_BASE=${explicit} is not a commit in this clone`)
    }
    const commit = await mergeBase(cwd, explicit)
    if (!commit) throw new Error(`KP_RELEASE_BASE=${explicit} shares no history with HEAD (shallow clone?)`)
    return { kind: 'commit', commit, rule: `merge-base of HEAD and KP_RELEASE_BASE=${explicit}` }
  }

  const remote = `refs/remotes/origin/${baseBranch}`
  if ((await git(cwd, ['rev-parse', '--verify', '-q', remote])) !== null) {
    const commit = await mergeBase(cwd, remote)
    if (commit) return { kind: 'commit', commit, rule: `merge-base of HEAD and origin/${baseBranch}` }
  }

  const release = await lastReleaseCommit(cwd)
  if (release) return { kind: 'commit', ...release }

  if ((await git(cwd, ['rev-parse', '--is-shallow-repository']))?.trim() === 'true') {
    return {
      kind: 'skip',
      rule: 'shallow clone without a release commit in its history: the last release may be beyond the cut. Fetch the full history (fetch-depth: 0) or set KP_RELEASE_BASE',
    }
  }
  return { kind: 'initial', rule: 'nothing released yet (no release commit in the history): every published package counts as changed' }
}
