// The directory rules of `pnpm --filter @kp/release-check try-tarballs [dir]`. The install it
// does is the consumer test's shape (c) (createConsumer with every tarball), checked there.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { FIXTURES, MARKER, resolveTryDir } from '../src/try-tarballs.js'
import { repoRoot } from '../src/workspace.js'

const scratch = mkdtempSync(join(tmpdir(), 'kp-try-test-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('resolveTryDir', () => {
  it('no argument: a fresh temp directory (null)', () => {
    expect(resolveTryDir(undefined, scratch)).toBeNull()
    expect(resolveTryDir('', scratch)).toBeNull()
  })

  it('resolves a relative argument against the directory pnpm was run from', () => {
    expect(resolveTryDir('new-app', scratch)).toBe(join(scratch, 'new-app'))
    expect(resolveTryDir(join(scratch, 'abs'), '/')).toBe(join(scratch, 'abs'))
  })

  it('refuses the repository and anything inside it', () => {
    expect(() => resolveTryDir(repoRoot, '/')).toThrow(/inside the repository/)
    expect(() => resolveTryDir('scratch', repoRoot)).toThrow(/inside the repository/)
    expect(() => resolveTryDir('../../x', join(repoRoot, 'tools/release-check'))).toThrow(/inside the repository/)
  })

  it('accepts an empty directory or an earlier try, refuses other non-empty directories', () => {
    const empty = join(scratch, 'empty')
    mkdirSync(empty)
    expect(resolveTryDir(empty, '/')).toBe(empty)
    const earlier = join(scratch, 'earlier')
    mkdirSync(earlier)
    writeFileSync(join(earlier, MARKER), '')
    writeFileSync(join(earlier, 'package.json'), '{}')
    expect(resolveTryDir(earlier, '/')).toBe(earlier)
    const other = join(scratch, 'other')
    mkdirSync(other)
    writeFileSync(join(other, 'notes.txt'), 'mine')
    expect(() => resolveTryDir(other, '/')).toThrow(/not empty and was not made by try-tarballs/)
  })

  it('copies the consumer programs from test/consumer', () => {
    expect(existsSync(join(FIXTURES, 'shape-c.mjs'))).toBe(true)
  })
})
