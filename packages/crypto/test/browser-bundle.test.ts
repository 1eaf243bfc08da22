import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterAll, describe, expect, it } from 'vitest'

const dir = mkdtempSync(join(tmpdir(), 'kp-crypto-bundle-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function bundle(entry: string): Promise<string> {
  const outfile = join(dir, `${entry.replace(/\W/g, '_')}.js`)
  await build({
    entryPoints: [fileURLToPath(new URL(`../src/${entry}`, import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['browser'],
    outfile,
    logLevel: 'silent',
  })
  return readFileSync(outfile, 'utf8')
}

describe('browser bundle', () => {
  it('src/index.ts bundles for the browser with no node: import and no Buffer', async () => {
    const code = await bundle('index.ts')
    expect(code.length).toBeGreaterThan(10_000)
    expect(code).not.toMatch(/["']node:/)
    expect(code).not.toMatch(/\brequire\(\s*["'](crypto|buffer|util|fs|os|path)["']\s*\)/)
    expect(code).not.toMatch(/\bBuffer\./)
    expect(code).not.toContain('createCipheriv')
    expect(code).toContain('getRandomValues')
  })

  it('the node entry does pull node:crypto (sanity check of the test itself)', async () => {
    await expect(bundle('index.node.ts')).rejects.toThrow(/node:crypto|node:buffer/)
  })
})
