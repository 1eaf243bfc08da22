// Guards docs/PROTOCOL.md against drifting from the code: the section numbers that comments
// cite, every protocol constant and default, and the worked example's values.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { SegTag } from '../src/arq/constants.js'
import { BipackWriter, u32, u64 } from '@kp/bipack'
import { Defaults, ErrorCode, FrameType, Kind, RejectCode } from '../src/protocol/constants.js'
import { writeItem, writeOpen } from '../src/protocol/messages.js'

const DOC_PATH = new URL('../../../docs/PROTOCOL.md', import.meta.url)
const doc = readFileSync(DOC_PATH, 'utf8')
const vectors = JSON.parse(readFileSync(new URL('./vectors/handshake.json', import.meta.url), 'utf8')) as Record<string, string>

/** The text of `## N. ...` up to the next `## ` heading. */
function section(n: number): string {
  const start = doc.search(new RegExp(`^## ${n}\\. `, 'm'))
  if (start < 0) throw new Error(`docs/PROTOCOL.md has no section "## ${n}."`)
  const next = doc.slice(start + 3).search(/^## /m)
  return next < 0 ? doc.slice(start) : doc.slice(start, start + 3 + next)
}

/** Table rows (lines starting with `|`) of a text. */
const rows = (text: string) => text.split('\n').filter((l) => l.startsWith('|'))

/** Integers written in a line, digit groups separated by spaces or commas allowed ("16 777 216"). */
function integersIn(line: string): number[] {
  return [...line.matchAll(/\d{1,3}(?:[ ,\u202f]\d{3})+(?!\d)|\d+/g)].map((m) => Number(m[0].replace(/[ ,\u202f]/g, '')))
}

/** `name  hex` lines of the ```vectors blocks, with indented hex continuation lines. */
function shownVectors(): Map<string, string> {
  const shown = new Map<string, string>()
  for (const block of doc.matchAll(/^```vectors\n([\s\S]*?)^```/gm)) {
    let current: string | null = null
    for (const line of block[1]!.split('\n')) {
      if (line.trim() === '') continue
      const start = /^([a-z0-9_]+) +([0-9a-f]+)$/.exec(line)
      const more = /^ +([0-9a-f]+)$/.exec(line)
      if (start) {
        current = start[1]!
        expect(shown.has(current), `${current} is shown twice`).toBe(false)
        shown.set(current, start[2]!)
      } else if (more && current) {
        shown.set(current, shown.get(current)! + more[1]!)
      } else {
        throw new Error(`unreadable line in a vectors block of docs/PROTOCOL.md: "${line}"`)
      }
    }
  }
  return shown
}

describe('docs/PROTOCOL.md', () => {
  it('keeps the section numbers the code cites', () => {
    for (let n = 0; n <= 15; n++) section(n)
    for (const sub of [
      '4.1',
      '4.2',
      '4.3',
      '4.4',
      '4.5',
      '4.6',
      '4.7',
      '5.1',
      '5.2',
      '5.3',
      '6.1',
      '6.2',
      '14.1',
      '14.2',
      '14.3',
      '14.4',
      '14.5',
      '14.6',
      '14.7',
    ]) {
      expect(doc, `heading ### ${sub}`).toMatch(new RegExp(`^### ${sub.replace('.', '\\.')} `, 'm'))
    }
  })

  it('names every frame type in the table of section 3', () => {
    const table = rows(section(3))
    for (const [name, value] of Object.entries(FrameType)) {
      const row = table.find((l) => new RegExp(`^\\|\\s*${value}\\s*\\|\\s*${name.toUpperCase()}\\s*\\|`).test(l))
      expect(row, `FrameType.${name} = ${value}`).toBeDefined()
    }
  })

  it('names every message kind in the table of section 6', () => {
    const table = rows(section(6))
    for (const [name, value] of Object.entries(Kind)) {
      const row = table.find((l) => new RegExp(`^\\|\\s*${value}\\s*\\|\\s*${name.toUpperCase()}\\s*\\|`).test(l))
      expect(row, `Kind.${name} = ${value}`).toBeDefined()
    }
  })

  it('names every REJECT code in the table of 4.7', () => {
    const table = rows(section(4).slice(section(4).indexOf('### 4.7')))
    for (const [name, value] of Object.entries(RejectCode)) {
      const row = table.find((l) => new RegExp(`^\\|\\s*${value}\\s*\\|.*\`${name}\``).test(l))
      expect(row, `RejectCode.${name} = ${value}`).toBeDefined()
    }
  })

  it('names every library error code in the table of 6.1', () => {
    const table = rows(section(6).slice(section(6).indexOf('### 6.1')))
    for (const [name, code] of Object.entries(ErrorCode)) {
      expect(
        table.some((l) => l.startsWith(`| \`${code}\` |`)),
        `ErrorCode.${name} = ${code}`,
      ).toBe(true)
    }
  })

  it('names every ARQ segment tag in the table of section 9', () => {
    const table = rows(section(9))
    for (const [name, value] of Object.entries(SegTag)) {
      const hex = `0x${value.toString(16).padStart(2, '0')}`
      const row = table.find((l) => l.startsWith(`| ${value} | \`${hex}`) && l.includes(name.toUpperCase()))
      expect(row, `SegTag.${name} = ${value}`).toBeDefined()
    }
  })

  it('names every stream message kind in the table of 14.2', () => {
    const table = rows(section(14))
    for (const name of ['Open', 'Item', 'Credit', 'End', 'Fail', 'Stop', 'Cancel'] as const) {
      const value = Kind[name]
      const row = table.find((l) => new RegExp(`^\\|\\s*${value}\\s*\\|\\s*${name.toUpperCase()}\\s*\\|`).test(l))
      expect(row, `Kind.${name} = ${value} in 14.2`).toBeDefined()
    }
  })

  it('shows the OPEN and ITEM examples of 14.2 as the codecs write them', () => {
    const spaced = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ')
    const w = new BipackWriter()
    writeOpen(w, 1, 2, 'ticks', 16, u32.encode(100))
    expect(section(14)).toContain(`\`${spaced(w.toBytes())}\``)
    w.reset()
    writeItem(w, 3, u64.encode(0n))
    expect(section(14)).toContain(`\`${spaced(w.toBytes())}\``)
  })

  it('lists every Defaults value, under its name, in the limits table of section 7', () => {
    const table = rows(section(7))
    for (const [name, value] of Object.entries(Defaults)) {
      const row = table.find((l) => l.startsWith(`| \`${name}\` |`))
      expect(row, `Defaults.${name} has no row in section 7`).toBeDefined()
      const cell = row!.split('|')[2]!
      expect(integersIn(cell), `Defaults.${name} = ${value}: "${cell.trim()}"`).toContain(value)
    }
  })

  it('shows exactly the values of packages/core/test/vectors/handshake.json in the worked example', () => {
    const shown = shownVectors()
    const expected = Object.entries(vectors).filter(([k]) => k !== 'about')
    for (const [name, value] of expected) {
      expect(shown.get(name), `${name} in section 13`).toBe(value)
    }
    // nothing shown that the vector file does not hold (no invented values)
    expect([...shown.keys()].filter((k) => !(k in vectors))).toEqual([])
  })

  it('shows the first records of the worked example as section 6 describes them', () => {
    // READY and CALL examples in section 6, written with spaces between bytes
    const spaced = (hex: string) => hex.match(/../g)!.join(' ')
    expect(section(6)).toContain(`\`${spaced(vectors.ready_plaintext!)}\``)
    expect(section(6)).toContain(`\`${spaced(vectors.call_plaintext!)}\``)
  })

  it('links no file outside the repository', () => {
    expect(doc).not.toMatch(/\]\((?:\.\.\/){2,}/)
    expect(doc).not.toMatch(/\/work\/|\.\.\/shared/)
  })
})
