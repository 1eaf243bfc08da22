import { runOk } from '../src/exec.js'

/** An identity for commits in throw-away test repositories (no user configuration needed). */
const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.invalid',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.invalid',
}

/** Runs git in a throw-away test repository: branch main, unsigned commits, the identity above. */
export const scratchGit = (cwd: string, ...args: string[]) =>
  runOk('git', ['-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], { cwd, env: GIT_ENV })
