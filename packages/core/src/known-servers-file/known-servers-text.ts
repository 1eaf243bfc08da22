import { PublicKey } from '@kp/crypto'
import { assertServerName } from '../client/known-servers.js'
import { KnownServersError } from '../errors/known-servers-error.js'

/** One server line of a known_servers file. */
export interface KnownServerLine {
  readonly id: PublicKey
  /** 1-based line number. */
  readonly line: number
}

/** The first lines of a new file. */
export const FILE_HEADER =
  '# Kiloparsec known servers (trust on first use, like SSH known_hosts): one "<name> <id>" per line.\n' +
  '# A server is recorded at its first connection and must keep its id; delete its line to accept a new one.\n'

/**
 * Parses a known_servers file: one `name id` per line (fields separated by spaces or tabs, the
 * id in base64url or hex, an optional `# comment` after it); blank lines and lines starting
 * with `#` are ignored. Strict otherwise: a malformed line, or a name listed twice with
 * different ids, is a KnownServersError naming `path` and the line number.
 */
export function parseKnownServers(text: string, path: string): Map<string, KnownServerLine> {
  const map = new Map<string, KnownServerLine>()
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1
    const content = lines[i]!.trim()
    if (content === '' || content.startsWith('#')) continue
    const fail = (why: string, cause?: unknown): never => {
      throw new KnownServersError(`${path}:${line}: ${why}; fix or delete the line`, cause === undefined ? undefined : { cause })
    }
    const fields = content.split(/[ \t]+/)
    if (fields.length < 2) fail('expected "<name> <id>", found one field')
    if (fields.length > 2 && !fields[2]!.startsWith('#')) fail('unexpected text after the id (a comment starts with "#")')
    const [name, idText] = fields as [string, string]
    try {
      assertServerName(name)
    } catch (e) {
      fail(`bad server name: ${(e as Error).message}`, e)
    }
    let id: PublicKey
    try {
      id = PublicKey.from(idText)
    } catch (e) {
      return fail(`the id of "${name}" is not a server id: ${(e as Error).message}`, e)
    }
    const earlier = map.get(name)
    if (earlier && !earlier.id.equals(id)) fail(`"${name}" is listed again with another id (first at line ${earlier.line})`)
    if (!earlier) map.set(name, { id, line })
  }
  return map
}

/** `text` with the line for `name` added (the header first when the file is new). */
export function appendKnownServer(text: string, name: string, id: PublicKey): string {
  const start = text === '' ? FILE_HEADER : text.endsWith('\n') ? text : `${text}\n`
  return `${start}${name} ${id.toBase64url()}\n`
}

/** `text` without the lines for `name` (every other line kept as it was). */
export function removeKnownServer(text: string, name: string): string {
  return text
    .split('\n')
    .filter((l) => {
      const t = l.trim()
      return t.startsWith('#') || t.split(/[ \t]+/)[0] !== name
    })
    .join('\n')
}
