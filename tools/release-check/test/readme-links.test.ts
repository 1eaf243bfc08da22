import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { checkReadmeLinks, headingAnchors, markdownLinks, repositoryBase } from '../src/readme-links.js'

const BASE = 'https://github.com/acme/widgets'
const root = mkdtempSync(join(tmpdir(), 'kp-links-'))
mkdirSync(join(root, 'docs'))
mkdirSync(join(root, 'packages/a'), { recursive: true })
writeFileSync(join(root, 'docs/SPEC.md'), '# Spec\n\n## 4. Handshake\n\n### 4.5 READY\n\n## Notes\n\n## Notes\n')
writeFileSync(join(root, 'packages/a/README.md'), '# a\n')
afterAll(() => rmSync(root, { recursive: true, force: true }))

const check = (text: string, base: string | null = BASE) => checkReadmeLinks(text, { file: 'README.md', repoRoot: root, base })

describe('repositoryBase', () => {
  it('turns a git+https URL into the web address', () => {
    expect(repositoryBase('git+https://github.com/kiloparsec/kiloparsec-ts.git')).toBe('https://github.com/kiloparsec/kiloparsec-ts')
    expect(repositoryBase('https://github.com/acme/widgets')).toBe(BASE)
  })

  it('refuses placeholders, other schemes and other shapes', () => {
    for (const url of [
      'git+https://example.invalid/kiloparsec-ts.git',
      'git+https://example.invalid/o/kiloparsec-ts.git',
      'git+ssh://git@github.com/a/b.git',
      'https://github.com/only-owner',
      'https://localhost/a/b',
      undefined,
      42,
    ]) {
      expect(repositoryBase(url), String(url)).toBeNull()
    }
  })
})

describe('markdownLinks', () => {
  it('finds inline links, images, reference definitions, autolinks and HTML attributes with their lines', () => {
    const text = ['[a](https://x.org/a) ![i](img.png "t")', '', '[ref]: ./rel.md', '<https://x.org/auto>', '<a href="#top">top</a>'].join('\n')
    expect(markdownLinks(text)).toEqual([
      { url: 'https://x.org/a', line: 1 },
      { url: 'img.png', line: 1 },
      { url: './rel.md', line: 3 },
      { url: 'https://x.org/auto', line: 4 },
      { url: '#top', line: 5 },
    ])
  })

  it('ignores code blocks and code spans', () => {
    const text = ['```ts', 'const x = a[0](../rel)', '```', 'call `f[1](./x)` here', '[ok](https://x.org)'].join('\n')
    expect(markdownLinks(text)).toEqual([{ url: 'https://x.org', line: 5 }])
  })
})

describe('headingAnchors', () => {
  it('slugs headings the way GitHub and npm do, numbering repeats', () => {
    const anchors = headingAnchors(
      '# @kp/core\n## 4.5 READY\n## Limits and defaults (PROTOCOL.md 7)\n## `code` *em*\n## Limits\n## Limits\n<a id="custom"></a>',
    )
    expect([...anchors]).toEqual(expect.arrayContaining(['kpcore', '45-ready', 'limits-and-defaults-protocolmd-7', 'code-em', 'limits', 'limits-1', 'custom']))
  })
})

describe('checkReadmeLinks', () => {
  it('accepts absolute links, in-page anchors that exist and repository links through the base', () => {
    const text = [
      '# Title',
      '## Signature rules',
      'See [rules](#signature-rules), [ws](https://github.com/websockets/ws), [npm](https://www.npmjs.com/package/ws),',
      `[spec](${BASE}/blob/main/docs/SPEC.md#45-ready), [a](${BASE}/blob/main/packages/a/README.md), [dir](${BASE}/tree/main/packages/a), [repo](${BASE}).`,
    ].join('\n')
    expect(check(text)).toEqual([])
  })

  it('refuses relative links, which npm does not resolve', () => {
    const problems = check('# T\n[x](examples/basic.ts) [y](../other) [z](/docs/SPEC.md)')
    expect(problems).toHaveLength(3)
    expect(problems[0]).toMatch(/README\.md:2: link "examples\/basic\.ts" is not absolute/)
  })

  it('refuses in-page anchors that name no heading', () => {
    expect(check('# T\n[x](#nowhere)')).toEqual(['README.md:2: in-page link "#nowhere" names no heading of this README'])
  })

  it('refuses links into the repository that do not use the package.json base', () => {
    expect(check('# T\n[x](https://github.com/someone-else/widgets/blob/main/docs/SPEC.md)')[0]).toMatch(
      /not at its package\.json base https:\/\/github\.com\/acme\/widgets/,
    )
    expect(check(`# T\n[x](${BASE}/blob/v1/docs/SPEC.md)`)[0]).toMatch(/must have the form .*\/blob\/main\/<path>/)
    expect(check(`# T\n[x](${BASE}/raw/main/docs/SPEC.md)`)[0]).toMatch(/must have the form/)
    expect(check('# T\n[x](http://github.com/acme/widgets/blob/main/docs/SPEC.md)')[0]).toMatch(/not at its package\.json base/)
  })

  it('refuses links to files and anchors the repository does not have', () => {
    expect(check(`# T\n[x](${BASE}/blob/main/docs/GONE.md)`)).toEqual([
      `README.md:2: link "${BASE}/blob/main/docs/GONE.md" names docs/GONE.md, which is not in the repository`,
    ])
    expect(check(`# T\n[x](${BASE}/blob/main/docs/SPEC.md#9-nothing)`)[0]).toMatch(/anchor #9-nothing, which is not a heading of docs\/SPEC\.md/)
    expect(check(`# T\n[x](${BASE}/blob/main/docs/SPEC.md#notes-1)`)).toEqual([])
  })

  it('without a usable base still requires absolute links', () => {
    expect(check('# T\n[x](rel.md) [y](https://github.com/acme/widgets/blob/main/anything)', null)).toHaveLength(1)
  })
})
