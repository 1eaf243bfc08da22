import { spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { KnownServerMismatchError, KnownServersError, type PublicKey, SigningKey, trustOnFirstUse } from '../src/index.js'
import { FILE_HEADER, fileKnownServers, parseKnownServers } from '../src/known-servers-file/index.js'
import { storeContract } from './support/store-contract.js'

const root = mkdtempSync(join(tmpdir(), 'kp-known-servers-'))
let n = 0
const fresh = () => join(root, `case-${n++}`, 'known_servers')
const a = SigningKey.generate().publicKey
const b = SigningKey.generate().publicKey
const mode = (p: string) => statSync(p).mode & 0o777

afterAll(() => rmSync(root, { recursive: true, force: true }))

async function rejection(p: unknown): Promise<unknown> {
  return Promise.resolve(p).then(
    () => {
      throw new Error('expected a rejection')
    },
    (e) => e,
  )
}

storeContract('fileKnownServers', () => fileKnownServers(fresh()))

describe('fileKnownServers: trust on first use in a known_hosts-like file', () => {
  it('first use records (file 0600, directory created), second use accepts, a changed key fails with both ids', async () => {
    const file = fresh()
    const store = fileKnownServers(file)
    expect(existsSync(file)).toBe(false)
    expect(await store.get('example.com:4000')).toBeNull()
    expect(await trustOnFirstUse(store, 'example.com:4000', a)).toBe('recorded')
    expect(readFileSync(file, 'utf8')).toBe(`${FILE_HEADER}example.com:4000 ${a.toBase64url()}\n`)
    expect(mode(file)).toBe(0o600)
    expect(await trustOnFirstUse(store, 'example.com:4000', a)).toBe('known')
    // a second store on the same file (another process, a restart) sees the record
    expect(await trustOnFirstUse(fileKnownServers(file), 'example.com:4000', a)).toBe('known')
    const e = (await rejection(trustOnFirstUse(store, 'example.com:4000', b))) as KnownServerMismatchError
    expect(KnownServerMismatchError.isInstance(e)).toBe(true)
    expect(e.code).toBe('kp.KnownServerChanged')
    expect(e.message).toContain(a.toString())
    expect(e.message).toContain(b.toString())
    expect(e.message).toContain(`${file} (the line starting with "example.com:4000 ")`)
    expect(e.message).toContain('knownServers.forget("example.com:4000")')
    expect(readFileSync(file, 'utf8')).toContain(`example.com:4000 ${a.toBase64url()}`)
  })

  it('forget removes only that line and keeps comments; the next use records the new id', async () => {
    const file = fresh()
    const store = fileKnownServers(file)
    await store.add('h:1', a)
    await store.add('h:2', b)
    writeFileSync(file, `${readFileSync(file, 'utf8')}# my note\n`, { mode: 0o600 })
    expect(await store.forget('h:1')).toBe(true)
    expect(await store.forget('h:1')).toBe(false)
    expect(readFileSync(file, 'utf8')).toBe(`${FILE_HEADER}h:2 ${b.toBase64url()}\n# my note\n`)
    expect(await trustOnFirstUse(store, 'h:1', b)).toBe('recorded')
  })

  it('tolerates comments, blank lines, CRLF, tabs, hex ids, a comment after the id, and no final newline', async () => {
    const file = fresh()
    const text = `# known servers\r\n\r\n   \r\n\th:1\t${a.toHex()}\r\n# h:2 ${b.toString()}\r\nh:3   ${b.toString()}   # staging\r\n  h:4 ${a.toString()}`
    const store = fileKnownServers(file)
    await store.add('setup:1', a) // creates the directory
    writeFileSync(file, text)
    expect((await store.get('h:1'))?.equals(a)).toBe(true)
    expect(await store.get('h:2')).toBeNull()
    expect((await store.get('h:3'))?.equals(b)).toBe(true)
    expect((await store.get('h:4'))?.equals(a)).toBe(true)
    await store.add('h:5', b)
    expect(readFileSync(file, 'utf8')).toBe(`${text}\nh:5 ${b.toBase64url()}\n`)
    // the same line twice is fine
    writeFileSync(file, `h:1 ${a}\nh:1 ${a.toHex()}\n`)
    expect((await store.get('h:1'))?.equals(a)).toBe(true)
  })

  it('a malformed line is refused with the file and its line number, for reads and writes', async () => {
    const file = fresh()
    const store = fileKnownServers(file)
    await store.add('ok:1', a)
    const cases: [string, RegExp][] = [
      ['lonely-name', /:3: expected "<name> <id>", found one field/],
      [`h:1 ${a} extra`, /:3: unexpected text after the id/],
      ['h:1 not-an-id', /:3: the id of "h:1" is not a server id: "publicKey" expected .*got 9 base64url characters/],
      [`h:1 ${a.toString().slice(1)}`, /:3: the id of "h:1" is not a server id/],
      [`ok:1 ${b}`, /:3: "ok:1" is listed again with another id \(first at line 2\)/],
    ]
    for (const [line, re] of cases) {
      writeFileSync(file, `# header\nok:1 ${a}\n${line}\n`)
      for (const op of [() => store.get('ok:1'), () => store.add('h:9', b), () => store.forget('ok:1')]) {
        const e = await rejection(op())
        expect(KnownServersError.isInstance(e), line).toBe(true)
        expect((e as Error).message, line).toMatch(re)
        expect((e as Error).message).toContain(file)
        expect((e as Error).message).toMatch(/fix or delete the line$/)
      }
      expect(readFileSync(file, 'utf8')).toBe(`# header\nok:1 ${a}\n${line}\n`) // never rewritten
    }
  })

  it('rewrites keep the file at mode 0600 even when it was readable by others', async () => {
    const file = fresh()
    const store = fileKnownServers(file)
    await store.add('h:1', a)
    chmodSync(file, 0o644)
    await store.add('h:2', b)
    expect(mode(file)).toBe(0o600)
  })

  it('"~/" is the home directory', async () => {
    const home = join(root, `home-${n++}`)
    const saved = process.env.HOME
    process.env.HOME = home
    try {
      const store = fileKnownServers('~/.config/app/known_servers')
      await store.add('h:1', a)
      expect(readFileSync(join(home, '.config/app/known_servers'), 'utf8')).toContain(`h:1 ${a}`)
      expect(store.locate('h:1')).toContain(join(home, '.config/app/known_servers'))
      expect(mode(join(home, '.config/app'))).toBe(0o700)
    } finally {
      process.env.HOME = saved
    }
  })

  it('arguments are checked', () => {
    expect(() => fileKnownServers(1 as never)).toThrow(TypeError)
    expect(() => fileKnownServers('')).toThrow(RangeError)
    expect(() => fileKnownServers(fresh(), { lockTimeoutMs: -1 })).toThrow(/"lockTimeoutMs"/)
    expect(() => fileKnownServers(fresh(), { staleLockMs: Number.NaN })).toThrow(/"staleLockMs"/)
  })

  it('a lock held by a live writer makes a write wait, then fail after lockTimeoutMs; a stale lock is broken', async () => {
    const file = fresh()
    const store = fileKnownServers(file, { lockTimeoutMs: 300, staleLockMs: 5_000 })
    await store.add('h:1', a)
    writeFileSync(`${file}.lock`, '12345\n')
    const t0 = Date.now()
    const e = await rejection(store.add('h:2', b))
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290)
    expect(KnownServersError.isInstance(e)).toBe(true)
    expect((e as Error).message).toMatch(/known_servers\.lock stayed locked for 300 ms: another process is writing; if none is, delete the lock file/)
    expect(await store.get('h:2')).toBeNull()
    // the holder died long ago: the lock is broken and the write goes through
    const old = new Date(Date.now() - 60_000)
    utimesSync(`${file}.lock`, old, old)
    expect((await store.add('h:2', b)).equals(b)).toBe(true)
    expect(existsSync(`${file}.lock`)).toBe(false)
  })

  it('two processes recording at once: no record lost, no torn file, one winner for a contested name', async () => {
    const file = fresh()
    const store = fileKnownServers(file)
    await store.add('setup:1', a) // the directory exists before the race
    const count = 40
    // both children start when the go file appears, once both said they are loaded: they overlap
    const goFile = `${file}.go`
    let readyCount = 0
    let allReady!: () => void
    const bothReady = new Promise<void>((r) => (allReady = r))
    const child = (tag: string, contested: PublicKey) =>
      new Promise<{ winner: string; start: number; end: number }>((resolve, reject) => {
        const p = spawn(
          process.execPath,
          ['--conditions=@kp/source', '--import', 'tsx', 'test/support/known-servers-writer.ts', file, tag, String(count), contested.toString(), goFile],
          { cwd: new URL('..', import.meta.url).pathname, stdio: ['ignore', 'pipe', 'pipe'] },
        )
        let out = ''
        let err = ''
        p.stdout.on('data', (d) => (out += d))
        p.stderr.on('data', (d) => {
          err += d
          if (String(d).includes('ready') && ++readyCount === 2) allReady()
        })
        const timer = setTimeout(() => p.kill(), 30_000)
        p.on('close', (code) => {
          clearTimeout(timer)
          if (code === 0) resolve(JSON.parse(out))
          else reject(new Error(`writer ${tag} exited with ${code}: ${err}`))
        })
      })
    const running = Promise.all([child('p1', a), child('p2', b)])
    await Promise.race([bothReady, running])
    writeFileSync(goFile, '')
    // meanwhile, every read sees a whole file: it always parses
    let reads = 0
    let done = false
    void running.then(
      () => (done = true),
      () => (done = true),
    )
    while (!done && reads < 100_000) {
      const text = existsSync(file) ? readFileSync(file, 'utf8') : ''
      parseKnownServers(text, file)
      reads++
      await new Promise((r) => setTimeout(r, 2))
    }
    const [r1, r2] = await running
    const map = parseKnownServers(readFileSync(file, 'utf8'), file)
    expect(map.size).toBe(1 + 2 * count + 1)
    for (const tag of ['p1', 'p2']) {
      for (let i = 0; i < count; i++) expect(map.get(`${tag}-${i}.example:4000`)?.id.equals(new Uint8Array(32).fill(i + 1))).toBe(true)
    }
    const winner = map.get('contested.example:4000')!.id.toString()
    expect([a.toString(), b.toString()]).toContain(winner)
    expect(r1.winner).toBe(winner)
    expect(r2.winner).toBe(winner)
    expect(reads).toBeGreaterThan(10)
    // the two writers really ran at the same time
    expect(Math.max(r1.start, r2.start)).toBeLessThan(Math.min(r1.end, r2.end))
    expect(mode(file)).toBe(0o600)
    expect(existsSync(`${file}.lock`)).toBe(false)
  })
})
