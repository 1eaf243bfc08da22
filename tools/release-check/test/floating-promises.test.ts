import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const script = fileURLToPath(new URL('../../../scripts/lint/floating-promises.mjs', import.meta.url))
const fixture = fileURLToPath(new URL('./fixtures/floating', import.meta.url))

describe('the floating-promise lint (issue 14: no promise the library starts is left unhandled)', () => {
  it('reports every unhandled promise of the fixture and nothing else', () => {
    const r = spawnSync(process.execPath, [script, fixture], { encoding: 'utf8' })
    expect(r.status).toBe(1)
    const lines = r.stderr.split('\n').filter((l) => l.includes('cases.ts:'))
    const reported = lines.map((l) => Number(l.split('cases.ts:')[1]!.split(':')[0]))
    // the lines marked "bad" in the fixture
    expect(reported.sort((a, b) => a - b)).toEqual([6, 9, 12, 15, 20])
  })
})
