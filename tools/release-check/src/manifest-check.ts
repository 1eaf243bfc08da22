import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { minNodeVersion } from './engines.js'
import { checkReadmeLinks, repositoryBase } from './readme-links.js'
import type { Manifest, PublishedPackage } from './workspace.js'

/** The export condition that points workspace tests and type checks at `src/`. */
export const SOURCE_CONDITION = '@kp/source'

/** `exports` without the `@kp/source` condition at any depth: what a consumer must see. */
export function stripSourceCondition(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) {
    if (key !== SOURCE_CONDITION) out[key] = stripSourceCondition(v)
  }
  return out
}

/** Deep equality for JSON values, key order included (the order of conditions matters). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/** Every string target in an exports map, with its path of keys. */
export function exportTargets(value: unknown, path: string[] = []): Array<{ path: string[]; target: string }> {
  if (typeof value === 'string') return [{ path, target: value }]
  if (value === null || typeof value !== 'object') return []
  return Object.entries(value).flatMap(([k, v]) => exportTargets(v, [...path, k]))
}

/**
 * The metadata a published package must carry. Returns one message per problem (empty when
 * fine). `root` is the root package.json, whose `engines.node` every package repeats.
 */
export function checkManifest(pkg: PublishedPackage, root: Manifest): string[] {
  const m = pkg.manifest
  const problems: string[] = []
  const need = (ok: unknown, message: string) => {
    if (!ok) problems.push(message)
  }

  need(typeof m.name === 'string' && m.name.startsWith('@kp/'), `name must be @kp/<name>, got ${m.name}`)
  need(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(m.version ?? ''), `version must be semver, got ${m.version}`)
  need(typeof m.description === 'string' && m.description.length > 10, 'description is missing')
  need(m.license === 'MIT', `license must be "MIT", got ${JSON.stringify(m.license)}`)
  need(existsSync(join(pkg.dir, 'LICENSE')), 'LICENSE file is missing (npm and pnpm ship it automatically)')
  need(m.type === 'module', '"type" must be "module" (ESM only)')
  need(m.sideEffects === false, '"sideEffects" must be false')

  const repo = m.repository
  need(repo && repo.type === 'git' && typeof repo.url === 'string', 'repository { type: "git", url } is missing')
  need(
    repositoryBase(repo?.url) !== null,
    `repository.url must be the https URL of the repository (git+https://host/owner/name.git), got ${JSON.stringify(repo?.url)}`,
  )
  need(repo?.directory === pkg.relDir, `repository.directory must be "${pkg.relDir}", got ${JSON.stringify(repo?.directory)}`)
  need(Array.isArray(m.keywords) && m.keywords.length > 0, 'keywords are missing')

  const rootMin = root.engines?.node
  need(minNodeVersion(m.engines?.node) !== null, `engines.node must be ">=X.Y[.Z]", got ${JSON.stringify(m.engines?.node)}`)
  need(m.engines?.node === rootMin, `engines.node must match the root package.json (${rootMin}), got ${JSON.stringify(m.engines?.node)}`)

  const files: unknown = m.files
  need(Array.isArray(files) && files.includes('dist'), '"files" must list "dist"')
  need(Array.isArray(files) && !files.some((f) => typeof f === 'string' && /^(\.\/)?(src|test|bench)\b/.test(f)), '"files" must not ship src, test or bench')

  // exports: @kp/source first (workspace tests), then types, then runtime conditions, default last.
  const exp = m.exports
  need(exp && typeof exp === 'object' && exp['.'], 'exports["."] is missing')
  need(exp?.['./package.json'] === './package.json', 'exports["./package.json"] is missing')
  for (const [subpath, entry] of Object.entries<any>(exp ?? {})) {
    if (typeof entry === 'string') continue
    const keys = Object.keys(entry)
    need(keys[0] === SOURCE_CONDITION, `exports["${subpath}"]: "${SOURCE_CONDITION}" must be the first condition`)
    need(keys[1] === 'types', `exports["${subpath}"]: "types" must follow "${SOURCE_CONDITION}"`)
    need(keys[keys.length - 1] === 'default', `exports["${subpath}"]: "default" must be the last condition`)
    for (const { path, target } of exportTargets(stripSourceCondition(entry))) {
      need(target.startsWith('./dist/'), `exports["${subpath}"].${path.join('.')} must point into ./dist, got ${target}`)
    }
  }
  need(typeof m.main === 'string' && m.main === exp?.['.']?.default, 'main must equal exports["."].default (for tools that ignore exports)')
  need(typeof m.types === 'string' && m.types === exp?.['.']?.types, 'types must equal exports["."].types')

  // publishConfig.exports: pnpm pack/publish replace `exports` with it, so the tarball never
  // names src/ (which is not shipped). It must be exports minus the source condition.
  const pc = m.publishConfig
  need(pc?.access === 'public', 'publishConfig.access must be "public" (scoped packages are private by default)')
  need(
    jsonEqual(pc?.exports, stripSourceCondition(exp)),
    `publishConfig.exports must equal exports without "${SOURCE_CONDITION}":\n${JSON.stringify(stripSourceCondition(exp), null, 2)}`,
  )
  for (const field of ['main', 'types', 'module', 'browser', 'bin']) {
    need(!pc || !(field in pc) || !String(pc[field]).includes('src/'), `publishConfig.${field} must not point into src/`)
  }

  // Internal dependencies: workspace:^ becomes ^<version> on pack, so each package can move on
  // its own; workspace:* would pin exact versions and force a release of every dependent.
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [dep, range] of Object.entries<string>(m[field] ?? {})) {
      if (dep.startsWith('@kp/')) need(range === 'workspace:^', `${field}["${dep}"] must be "workspace:^", got "${range}"`)
      else need(!String(range).startsWith('workspace:'), `${field}["${dep}"] uses the workspace protocol but is not a workspace package`)
    }
  }
  return problems
}

/**
 * The README sections every package needs: install, a runnable example, limits, where it runs;
 * and links that work on the npm page (absolute, into the repository through its base URL).
 * `repoRoot` is where links into the repository are looked up.
 */
export function checkReadme(pkg: PublishedPackage, repoRoot: string): string[] {
  const file = join(pkg.dir, 'README.md')
  if (!existsSync(file)) return ['README.md is missing']
  const text = readFileSync(file, 'utf8')
  const problems: string[] = []
  const need = (ok: boolean, message: string) => {
    if (!ok) problems.push(`README.md: ${message}`)
  }
  need(text.startsWith(`# ${pkg.name}`), `must start with "# ${pkg.name}"`)
  const escaped = pkg.name.replace(/[/]/g, '\\/')
  need(
    new RegExp(`^\\s*(npm (install|i)|pnpm add|yarn add)\\b[^\\n]*${escaped}`, 'm').test(text),
    `needs an install line (\`npm install ${pkg.name}\` or \`pnpm add ${pkg.name}\`)`,
  )
  need(/^##+ .*\b(Example|Usage|Quick start)/im.test(text), 'needs an "## Example" section')
  need(/```(ts|typescript|js|javascript)\n[\s\S]*?\bimport\b[\s\S]*?```/.test(text), 'needs a TypeScript example that imports the package')
  need(/^##+ .*\bLimits?\b/im.test(text), 'needs a "## Limits" section')
  // The Node range is engines.node (checked with the manifest); browser packages say here
  // which browsers they run in, Node-only ones that they are Node only.
  if (pkg.browser) need(/\bbrowsers?\b/i.test(text), 'must say which browsers it runs in')
  else need(/\bNode(\.js)?\b/.test(text), 'must say it runs in Node.js')
  problems.push(...checkReadmeLinks(text, { file: `${pkg.relDir}/README.md`, repoRoot, base: repositoryBase(pkg.manifest.repository?.url) }))
  return problems
}
