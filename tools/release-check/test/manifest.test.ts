import { describe, expect, it } from 'vitest'
import { compareVersions, minNodeVersion, parseVersion } from '../src/engines.js'
import { existsSync } from 'node:fs'
import { checkManifest, checkReadme } from '../src/manifest-check.js'
import { repositoryBase } from '../src/readme-links.js'
import { publishedPackages, readJson, repoRoot } from '../src/workspace.js'

const root = readJson(`${repoRoot}/package.json`)
const packages = publishedPackages()

describe('package.json metadata', () => {
  it('finds the published packages', () => {
    expect(packages.map((p) => p.name)).toEqual(
      expect.arrayContaining([
        '@kp/bipack',
        '@kp/crypto',
        '@kp/core',
        '@kp/transport-tcp',
        '@kp/transport-udp',
        '@kp/transport-ws-client',
        '@kp/transport-ws-server',
      ]),
    )
  })

  for (const pkg of packages) {
    it(`${pkg.name}: exports, files, license, repository, keywords, engines, publishConfig`, () => {
      expect(checkManifest(pkg, root)).toEqual([])
    })
  }

  it('release-check depends on every published package, so turbo builds each before it packs them', () => {
    const own = readJson(`${repoRoot}/tools/release-check/package.json`)
    const missing = packages.map((p) => p.name).filter((n) => own.devDependencies?.[n] !== 'workspace:*')
    expect(missing, 'add these to tools/release-check devDependencies as "workspace:*"').toEqual([])
  })

  it('every package.json of the workspace names the same repository URL, the root one', () => {
    const rootUrl = root.repository?.url
    expect(repositoryBase(rootUrl), `root repository.url ${rootUrl}`).not.toBeNull()
    const others = ['apps/demo', 'bench', 'tools/release-check'].filter((d) => existsSync(`${repoRoot}/${d}/package.json`))
    for (const m of [...packages.map((p) => p.manifest), ...others.map((d) => readJson(`${repoRoot}/${d}/package.json`))]) {
      expect(m.repository?.url, `${m.name}: repository.url`).toBe(rootUrl)
    }
  })
})

describe('README', () => {
  for (const pkg of packages) {
    it(`${pkg.name}: install, example, limits, ${pkg.browser ? 'browsers' : 'Node.js'}, links that work on npm`, () => {
      expect(checkReadme(pkg, repoRoot)).toEqual([])
    })
  }
})

describe('engines', () => {
  it(`the minimum Node of every package is at most the Node running this test (${process.version})`, () => {
    const current = parseVersion(process.version)
    for (const m of [root, ...packages.map((p) => p.manifest)]) {
      const min = minNodeVersion(m.engines?.node)
      expect(min, `${m.name}: engines.node ${m.engines?.node}`).not.toBeNull()
      expect(compareVersions(min!, current), `${m.name}: engines.node ${m.engines?.node} > ${process.version}`).toBeLessThanOrEqual(0)
    }
  })

  it('parses the engines forms', () => {
    expect(minNodeVersion('>=20.19')).toEqual([20, 19, 0])
    expect(minNodeVersion('>= 22.12.1')).toEqual([22, 12, 1])
    expect(minNodeVersion('^20.19 || >=22')).toBeNull()
    expect(compareVersions(parseVersion('v20.20.0'), [20, 19, 0])).toBeGreaterThan(0)
  })
})
