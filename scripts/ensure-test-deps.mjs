#!/usr/bin/env node
// Runs first in `pnpm test`: makes sure the Debian packages the tests need are installed.
// Missing ones are installed with apt-get when this runs as root, or as another user with
// passwordless sudo; otherwise it stops and prints the one command to run. With everything
// present it only says so (no apt-get at all).
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

/**
 * The Debian packages the tests need: one line each, with the file whose presence proves the
 * package is installed and what needs it.
 */
export const TEST_DEPS = [
  { pkg: 'chromium', bin: '/usr/bin/chromium', why: 'browser tests of @kp/transport-ws-client and apps/demo' },
  { pkg: 'nats-server', bin: '/usr/sbin/nats-server', why: 'NATS tests of @kp/cluster-nats and the cluster demo of apps/demo' },
]

const APT_GET = '/usr/bin/apt-get'

/** The command line, quoted for a shell only where needed, for messages. */
export function shellLine(argv) {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' ')
}

/**
 * Decides what to do, from injected facts (no side effects):
 * - `{ action: 'none', present }`: everything is there;
 * - `{ action: 'install', missing, commands }`: run `commands` (argv arrays) in order;
 * - `{ action: 'fail', missing, message }`: cannot install; `message` says what to run.
 *
 * @param deps the list of `{ pkg, bin, why }`
 * @param facts `exists(path)`, `isRoot`, `canSudo()` (asked only when needed), `hasAptGet`
 */
export function planTestDeps(deps, facts) {
  const missing = deps.filter((d) => !facts.exists(d.bin))
  if (missing.length === 0) return { action: 'none', present: deps }
  const names = missing.map((d) => d.pkg)
  const list = missing.map((d) => `${d.pkg} (${d.bin}, for the ${d.why})`).join(', ')
  if (!facts.hasAptGet) {
    return {
      action: 'fail',
      missing,
      message: `missing ${list}, and this is not a Debian system (no ${APT_GET}): install ${names.join(', ')} so that ${missing.map((d) => d.bin).join(', ')} exist, then run pnpm test again.`,
    }
  }
  const sudo = facts.isRoot ? [] : ['sudo', '-n']
  if (!facts.isRoot && !facts.canSudo()) {
    const cmd = `sudo apt-get update && sudo apt-get install -y ${names.join(' ')}`
    return {
      action: 'fail',
      missing,
      message: `missing ${list}. Not root and sudo asks for a password, so install it yourself:\n\n  ${cmd}\n\nthen run pnpm test again.`,
    }
  }
  return {
    action: 'install',
    missing,
    commands: [
      [...sudo, 'apt-get', 'update'],
      [...sudo, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', ...names],
    ],
  }
}

/** Runs a command with inherited output; returns its exit status. */
function runInherit(argv) {
  const r = spawnSync(argv[0], argv.slice(1), { stdio: 'inherit' })
  return r.error ? 127 : (r.status ?? 1)
}

/**
 * Checks, installs if needed and allowed, checks again. Returns the exit code (0: all present).
 * Everything it touches is injectable for tests.
 */
export function ensureTestDeps({
  deps = TEST_DEPS,
  exists = existsSync,
  isRoot = process.getuid?.() === 0,
  canSudo = () => spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0,
  hasAptGet = existsSync(APT_GET),
  run = runInherit,
  log = (line) => console.log(line),
} = {}) {
  const plan = planTestDeps(deps, { exists, isRoot, canSudo, hasAptGet })
  if (plan.action === 'none') {
    log(`ensure-test-deps: ${plan.present.map((d) => `${d.pkg} (${d.bin})`).join(', ')} present`)
    return 0
  }
  if (plan.action === 'fail') {
    log(`ensure-test-deps: ${plan.message}`)
    return 1
  }
  log(`ensure-test-deps: installing ${plan.missing.map((d) => `${d.pkg} (for the ${d.why})`).join(', ')}`)
  for (const argv of plan.commands) {
    log(`ensure-test-deps: $ ${shellLine(argv)}`)
    const status = run(argv)
    if (status !== 0) {
      log(`ensure-test-deps: \`${shellLine(argv)}\` failed with exit code ${status}`)
      return 1
    }
  }
  const still = plan.missing.filter((d) => !exists(d.bin))
  if (still.length > 0) {
    log(`ensure-test-deps: installed, but ${still.map((d) => d.bin).join(', ')} still missing`)
    return 1
  }
  log(`ensure-test-deps: ${plan.missing.map((d) => `${d.pkg} (${d.bin})`).join(', ')} installed`)
  return 0
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = ensureTestDeps()
}
