import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterAll, describe, expect, it } from 'vitest'

const dir = mkdtempSync(join(tmpdir(), 'kp-crypto-bundle-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function bundle(entry: string, platform: 'browser' | 'node' = 'browser'): Promise<string> {
  const outfile = join(dir, `${entry.replace(/\W/g, '_')}-${platform}.js`)
  await build({
    entryPoints: [fileURLToPath(new URL(`../src/${entry}`, import.meta.url))],
    bundle: true,
    format: 'esm',
    platform,
    conditions: [platform],
    outfile,
    logLevel: 'silent',
  })
  return readFileSync(outfile, 'utf8')
}

/** What the sodium engine and its loader leave in a bundle. */
const SODIUM = /["'`]sodium-native|crypto_aead_chacha20poly1305_ietf|crypto_sign_detached|createRequire|KP_CRYPTO_ENGINE/

describe('browser bundle', () => {
  it('src/index.ts bundles for the browser with no node: import, no Buffer and no sodium-native', async () => {
    const code = await bundle('index.ts')
    expect(code.length).toBeGreaterThan(10_000)
    expect(code).not.toMatch(/["']node:/)
    expect(code).not.toMatch(/\brequire\(\s*["'](crypto|buffer|util|fs|os|path)["']\s*\)/)
    expect(code).not.toMatch(/\bBuffer\./)
    expect(code).not.toContain('createCipheriv')
    expect(code).not.toMatch(SODIUM)
    expect(code).toContain('getRandomValues')
  })

  it('the node entry does pull node:crypto (sanity check of the test itself)', async () => {
    await expect(bundle('index.node.ts')).rejects.toThrow(/node:crypto|node:buffer|node:module/)
  })

  it('the node entry, bundled for Node, does load sodium-native (sanity check of the pattern)', async () => {
    const code = await bundle('index.node.ts', 'node')
    expect(code).toMatch(SODIUM)
    expect(code).toMatch(/require\w*\(["']sodium-native["']\)/) // left to Node's require at run time, never bundled
  })
})
