import { execFileSync } from 'node:child_process'
import { expect, it } from 'vitest'

it('the README example runs and prints what it promises', () => {
  const out = execFileSync(process.execPath, ['--conditions=@kp/source', '--import', 'tsx', 'examples/basic.ts'], {
    cwd: new URL('..', import.meta.url).pathname,
    encoding: 'utf8',
    timeout: 30_000,
  })
  expect(out).toContain('pong: hello')
})
