/**
 * `pnpm --filter @kp/release-check try-tarballs [dir]`: packs every published package and
 * installs all the tarballs into a scratch app (default: a new directory in the temp folder),
 * then prints where it is. `dir` is relative to where pnpm was run.
 */
import { tryTarballs } from './try-tarballs.js'

const log = (line: string) => console.log(`[try-tarballs] ${line}`)
const arg = process.argv[2]
// pnpm runs this script in tools/release-check; INIT_CWD is where the user ran pnpm
const cwd = process.env.INIT_CWD ?? process.cwd()
try {
  const r = await tryTarballs(arg, cwd, log)
  log(`done. The app is ${r.app}: every @kp/* package came from its tarball.`)
  log(`try it: cd ${r.app} && node shape-c.mjs   (or write your own program there)`)
} catch (e) {
  log(`failed: ${(e as Error).message}`)
  process.exitCode = 1
}
