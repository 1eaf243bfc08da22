import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'
import { describe, expect, inject, it } from 'vitest'
import { run } from '../src/exec.js'
import { exportTargets, SOURCE_CONDITION } from '../src/manifest-check.js'
import { tarballBytes } from '../src/pack.js'
import { publishedPackages } from '../src/workspace.js'

const packed = inject('packed')
const packError = inject('packError')
if (packError) throw new Error(`packing the packages failed, nothing to check: ${packError}`)
const packages = publishedPackages()
const require = createRequire(import.meta.url)
const attwBin = join(dirname(require.resolve('@arethetypeswrong/cli/package.json')), 'dist', 'index.js')

describe('what pnpm pack puts in each tarball', () => {
  for (const pkg of packages) {
    it(`${pkg.name}: built files, README and LICENSE; no src, tests or source maps; no @kp/source; real versions`, () => {
      const p = packed[pkg.name]!
      const m = p.manifest
      expect(p.files).toContain('README.md')
      expect(p.files).toContain('LICENSE')
      expect(p.files).toContain('package.json')
      expect(p.files.filter((f) => !f.startsWith('dist/') && !['README.md', 'LICENSE', 'package.json'].includes(f))).toEqual([])
      expect(p.files.filter((f) => f.endsWith('.map'))).toEqual([])
      // pnpm applied publishConfig.exports: no condition points at src/, which is not shipped.
      expect(JSON.stringify(m.exports)).not.toContain(SOURCE_CONDITION)
      expect(m.publishConfig?.exports).toBeUndefined()
      for (const { path, target } of exportTargets(m.exports)) {
        if (target === './package.json') continue
        expect(p.files, `exports.${path.join('.')} → ${target}`).toContain(target.slice(2))
      }
      expect(p.files).toContain(String(m.main).replace(/^\.\//, ''))
      expect(p.files).toContain(String(m.types).replace(/^\.\//, ''))
      // workspace:^ became ^<the version in the workspace>, so the tarballs install together.
      for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
        for (const [dep, range] of Object.entries<string>(m[field] ?? {})) {
          expect(range, `${field}.${dep}`).not.toMatch(/^workspace:/)
          if (dep.startsWith('@kp/')) expect(range, `${field}.${dep}`).toBe(`^${packed[dep]!.version}`)
        }
      }
    })
  }
})

describe('publint (on the packed tarball, strict: warnings fail)', () => {
  for (const pkg of packages) {
    it(pkg.name, async () => {
      const { messages, pkg: manifest } = await publint({
        pack: { tarball: await tarballBytes(packed[pkg.name]!.tarball) },
        level: 'suggestion',
        strict: true,
      })
      const text = messages.map((m) => `${m.type}: ${formatMessage(m, manifest, { color: false })}`)
      if (text.length) console.log(`publint ${pkg.name}:\n  ${text.join('\n  ')}`)
      expect(text).toEqual([])
    })
  }
})

// attw --profile esm-only: the packages are ESM only ("type": "module", no require condition).
// The profile ignores what only CommonJS resolution reports (node10 and node16-from-CJS, i.e.
// "cjs-resolves-to-esm"); every ESM and bundler resolution must be clean. On the supported
// Node (>= 20.19) require(esm) works anyway, which the consumer test checks.
describe('are the types wrong (attw --profile esm-only, on the packed tarball)', () => {
  for (const pkg of packages) {
    it(pkg.name, async () => {
      const r = await run(process.execPath, [attwBin, packed[pkg.name]!.tarball, '--profile', 'esm-only', '--format', 'ascii', '--no-color', '--no-emoji'], {
        timeoutMs: 120_000,
        env: { ...process.env, FORCE_COLOR: '0' },
      })
      if (r.code !== 0) console.log(`attw ${pkg.name}:\n${r.stdout}\n${r.stderr}`)
      expect(r.code, r.stdout + r.stderr).toBe(0)
    })
  }
})
