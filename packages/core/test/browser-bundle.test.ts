import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'esbuild'
import { expect, it } from 'vitest'

it('bundles for a browser with no node: import left', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kp-core-bundle-'))
  const outfile = join(dir, 'core.js')
  await build({
    entryPoints: [new URL('../src/index.ts', import.meta.url).pathname],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['@kp/source', 'browser'],
    outfile,
    logLevel: 'silent',
  })
  const text = readFileSync(outfile, 'utf8')
  expect(text).not.toMatch(/["']node:/)
  expect(text).not.toMatch(/require\(["'](crypto|buffer|net|dgram|events)["']\)/)
  expect(text).not.toMatch(/\bBuffer\./)
  expect(text.length).toBeGreaterThan(10_000)
})
