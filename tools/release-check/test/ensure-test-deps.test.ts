// The decision logic of scripts/ensure-test-deps.mjs, which `pnpm test` runs first: facts and
// commands are injected, nothing is installed.
import { describe, expect, it } from 'vitest'
import { ensureTestDeps, planTestDeps, TEST_DEPS, type TestDep } from '../../../scripts/ensure-test-deps.mjs'

const CHROMIUM: TestDep = { pkg: 'chromium', bin: '/usr/bin/chromium', why: 'browser tests' }
const NATS: TestDep = { pkg: 'nats-server', bin: '/usr/bin/nats-server', why: 'NATS tests' }
const facts = (present: string[], over: Partial<{ isRoot: boolean; sudo: boolean; hasAptGet: boolean }> = {}) => {
  const asked: string[] = []
  return {
    asked,
    exists: (p: string) => present.includes(p),
    isRoot: over.isRoot ?? true,
    canSudo: () => {
      asked.push('sudo')
      return over.sudo ?? false
    },
    hasAptGet: over.hasAptGet ?? true,
  }
}

describe('TEST_DEPS', () => {
  it('lists chromium at /usr/bin/chromium, each entry with a package, a file and a reason', () => {
    expect(TEST_DEPS).toContainEqual(expect.objectContaining({ pkg: 'chromium', bin: '/usr/bin/chromium' }))
    for (const d of TEST_DEPS) {
      expect(d.pkg).toMatch(/^[a-z0-9][a-z0-9+.-]+$/)
      expect(d.bin).toMatch(/^\//)
      expect(d.why.length).toBeGreaterThan(3)
    }
  })
})

describe('planTestDeps', () => {
  it('does nothing when everything is present (and never asks sudo)', () => {
    const f = facts(['/usr/bin/chromium', '/usr/bin/nats-server'], { isRoot: false })
    expect(planTestDeps([CHROMIUM, NATS], f)).toEqual({ action: 'none', present: [CHROMIUM, NATS] })
    expect(f.asked).toEqual([])
  })

  it('as root: apt-get update, then apt-get install -y of exactly the missing packages', () => {
    const plan = planTestDeps([CHROMIUM, NATS], facts(['/usr/bin/chromium']))
    expect(plan).toEqual({
      action: 'install',
      missing: [NATS],
      commands: [
        ['apt-get', 'update'],
        ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', 'nats-server'],
      ],
    })
  })

  it('not root, passwordless sudo: the same commands through sudo -n', () => {
    const f = facts([], { isRoot: false, sudo: true })
    const plan = planTestDeps([CHROMIUM, NATS], f)
    expect(plan.action).toBe('install')
    if (plan.action !== 'install') return
    expect(plan.commands).toEqual([
      ['sudo', '-n', 'apt-get', 'update'],
      ['sudo', '-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', 'chromium', 'nats-server'],
    ])
    expect(f.asked).toEqual(['sudo'])
  })

  it('not root and sudo wants a password: stops with the one command to run', () => {
    const plan = planTestDeps([CHROMIUM], facts([], { isRoot: false, sudo: false }))
    expect(plan.action).toBe('fail')
    if (plan.action !== 'fail') return
    expect(plan.message).toContain('sudo apt-get update && sudo apt-get install -y chromium')
    expect(plan.message).toContain('/usr/bin/chromium')
  })

  it('no apt-get (not Debian): stops and names what to install', () => {
    const plan = planTestDeps([CHROMIUM], facts([], { hasAptGet: false }))
    expect(plan.action).toBe('fail')
    if (plan.action === 'fail') expect(plan.message).toMatch(/not a Debian system.*install chromium so that \/usr\/bin\/chromium exist/)
  })
})

describe('ensureTestDeps', () => {
  const harness = (present: string[], opts: { isRoot?: boolean; sudo?: boolean; installs?: boolean; status?: number } = {}) => {
    const files = new Set(present)
    const ran: string[][] = []
    const lines: string[] = []
    const code = ensureTestDeps({
      deps: [CHROMIUM],
      exists: (p) => files.has(p),
      isRoot: opts.isRoot ?? true,
      canSudo: () => opts.sudo ?? false,
      hasAptGet: true,
      run: (argv) => {
        ran.push(argv)
        if (argv.includes('install') && (opts.installs ?? true)) files.add(CHROMIUM.bin)
        return opts.status ?? 0
      },
      log: (l) => lines.push(l),
    })
    return { code, ran, lines }
  }

  it('everything present: exit 0, one line, no command run', () => {
    const r = harness(['/usr/bin/chromium'])
    expect(r).toEqual({ code: 0, ran: [], lines: ['ensure-test-deps: chromium (/usr/bin/chromium) present'] })
  })

  it('missing as root: prints and runs update then install, checks again, exit 0', () => {
    const r = harness([])
    expect(r.code).toBe(0)
    expect(r.ran.map((a) => a.join(' '))).toEqual(['apt-get update', 'env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium'])
    expect(r.lines).toEqual([
      'ensure-test-deps: installing chromium (for the browser tests)',
      'ensure-test-deps: $ apt-get update',
      'ensure-test-deps: $ env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium',
      'ensure-test-deps: chromium (/usr/bin/chromium) installed',
    ])
  })

  it('a failing apt-get stops at once with its exit code in the message', () => {
    const r = harness([], { status: 100 })
    expect(r.code).toBe(1)
    expect(r.ran).toHaveLength(1)
    expect(r.lines.at(-1)).toBe('ensure-test-deps: `apt-get update` failed with exit code 100')
  })

  it('installed but the file is still missing: exit 1', () => {
    const r = harness([], { installs: false })
    expect(r.code).toBe(1)
    expect(r.lines.at(-1)).toBe('ensure-test-deps: installed, but /usr/bin/chromium still missing')
  })

  it('no root, no sudo: runs nothing, exit 1, prints the command', () => {
    const r = harness([], { isRoot: false, sudo: false })
    expect(r.code).toBe(1)
    expect(r.ran).toEqual([])
    expect(r.lines.join('\n')).toContain('sudo apt-get update && sudo apt-get install -y chromium')
  })
})
