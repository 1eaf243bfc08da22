import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

/**
 * The web address of a repository from a package.json `repository.url`
 * (`git+https://host/owner/name.git` → `https://host/owner/name`), or null when the URL is not
 * an https URL of the `owner/name` form or names a placeholder host.
 */
export function repositoryBase(url: unknown): string | null {
  if (typeof url !== 'string') return null
  const m = /^(?:git\+)?(https:\/\/([^/\s]+)\/[^/\s]+\/[^/\s]+?)(?:\.git)?\/?$/.exec(url)
  if (!m) return null
  const host = m[2]!.toLowerCase()
  if (host === 'localhost' || /(^|\.)(invalid|example|test|local)$/.test(host) || /^example\.(com|org|net)$/.test(host)) return null
  return m[1]!
}

/** One link target found in a markdown text, with its 1-based line. */
export interface MarkdownLink {
  url: string
  line: number
}

/**
 * The text with fenced code blocks and inline code spans blanked out (same length, same line
 * breaks), so links are only looked for where markdown renders them.
 */
function withoutCode(text: string): string {
  const blank = (s: string) => s.replace(/[^\n]/g, ' ')
  return text.replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, blank).replace(/(`+)[^`\n][\s\S]*?\1/g, blank)
}

/**
 * Every link target of a markdown text: inline links and images `[t](url "title")`, reference
 * definitions `[t]: url`, autolinks `<https://…>` and HTML `href`/`src` attributes. Links inside
 * code blocks and code spans are not links.
 */
export function markdownLinks(text: string): MarkdownLink[] {
  const src = withoutCode(text)
  const out: MarkdownLink[] = []
  const lineAt = (index: number) => src.slice(0, index).split('\n').length
  const add = (url: string, index: number) => out.push({ url: url.trim(), line: lineAt(index) })
  for (const m of src.matchAll(/\]\(\s*<?([^)\s>]*)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g)) add(m[1]!, m.index)
  for (const m of src.matchAll(/^ {0,3}\[[^\]\n]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)) add(m[1]!, m.index)
  for (const m of src.matchAll(/<((?:https?|mailto|ftp):[^>\s]+)>/gi)) add(m[1]!, m.index)
  for (const m of src.matchAll(/\b(?:href|src)\s*=\s*["']([^"']*)["']/gi)) add(m[1]!, m.index)
  return out.sort((a, b) => a.line - b.line)
}

/**
 * The anchors GitHub (and npm) give the headings of a markdown text: lowercase, punctuation
 * dropped, spaces to hyphens, `-1`, `-2`… for repeats. Also explicit `<a id>`/`<a name>`.
 */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>()
  const seen = new Map<string, number>()
  const src = text.replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
  for (const m of src.matchAll(/^ {0,3}#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$/gm)) {
    const rendered = m[1]!
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
      .replace(/<[^>]+>/g, '') // inline HTML tags
      .replace(/[`*]/g, '') // code and emphasis markers
    const slug = rendered
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
      .replace(/ /g, '-')
    const n = seen.get(slug) ?? 0
    seen.set(slug, n + 1)
    anchors.add(n === 0 ? slug : `${slug}-${n}`)
  }
  for (const m of text.matchAll(/<a\s[^>]*\b(?:id|name)\s*=\s*["']([^"']+)["']/gi)) anchors.add(m[1]!)
  return anchors
}

/** Where a README lives and what its links may point at. */
export interface LinkContext {
  /** The README's name in messages, e.g. `packages/core/README.md`. */
  file: string
  /** The repository root on disk, to check that links into the repository name real files. */
  repoRoot: string
  /** The package.json repository base, e.g. `https://github.com/owner/name` (null: unusable). */
  base: string | null
}

/**
 * Checks the links of a README that is shown on npm, where relative links do not resolve:
 * every link must be absolute (http or https) or an in-page anchor that exists; links into the
 * repository must start with `<base>/blob/main/` or `<base>/tree/main/`, name a file or folder
 * that exists, and (for a markdown file) an anchor that exists in it. Returns one message per
 * problem.
 */
export function checkReadmeLinks(text: string, ctx: LinkContext): string[] {
  const problems: string[] = []
  const own = headingAnchors(text)
  const baseUrl = ctx.base ? new URL(ctx.base) : null
  const [owner, name] = baseUrl ? baseUrl.pathname.split('/').filter(Boolean) : []
  for (const { url, line } of markdownLinks(text)) {
    const where = `${ctx.file}:${line}`
    if (url.startsWith('#')) {
      const anchor = decodeURIComponent(url.slice(1))
      if (!own.has(anchor)) problems.push(`${where}: in-page link "${url}" names no heading of this README`)
      continue
    }
    if (!/^https?:\/\//i.test(url)) {
      problems.push(`${where}: link "${url}" is not absolute: npm shows this README without the repository, so use an https URL (or an in-page #anchor)`)
      continue
    }
    if (!baseUrl) continue
    let target: URL
    try {
      target = new URL(url)
    } catch {
      problems.push(`${where}: link "${url}" is not a valid URL`)
      continue
    }
    // "into the repository": same host and the repository's name as the second path segment
    const parts = target.pathname.split('/').filter(Boolean)
    const intoRepo = target.host.toLowerCase() === baseUrl.host.toLowerCase() && parts[1]?.toLowerCase() === name?.toLowerCase()
    if (!intoRepo) continue
    if (parts[0] !== owner || parts[1] !== name || target.protocol !== 'https:') {
      problems.push(`${where}: link "${url}" points into the repository but not at its package.json base ${ctx.base}`)
      continue
    }
    if (parts.length === 2) continue // the repository's front page
    if ((parts[2] !== 'blob' && parts[2] !== 'tree') || parts[3] !== 'main' || parts.length < 5) {
      problems.push(`${where}: link "${url}" must have the form ${ctx.base}/blob/main/<path> (or /tree/main/<folder>)`)
      continue
    }
    const rel = parts.slice(4).map(decodeURIComponent).join('/')
    const file = join(ctx.repoRoot, rel)
    if (!existsSync(file)) {
      problems.push(`${where}: link "${url}" names ${rel}, which is not in the repository`)
      continue
    }
    if (target.hash && statSync(file).isFile() && /\.md$/i.test(rel)) {
      const anchor = decodeURIComponent(target.hash.slice(1))
      if (!headingAnchors(readFileSync(file, 'utf8')).has(anchor)) {
        problems.push(`${where}: link "${url}" names anchor #${anchor}, which is not a heading of ${rel}`)
      }
    }
  }
  return problems
}
