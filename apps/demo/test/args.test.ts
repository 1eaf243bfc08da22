/** In-process checks of the command lines and the key store (fast; the end-to-end runs are elsewhere). */
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SigningKey } from '@kp/core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { tokenFingerprint } from '../src/api.js'
import { parseClientArgs } from '../src/client-args.js'
import { DEFAULT_DATA_DIR, DEFAULT_PORTS, FatalError, UsageError } from '../src/cli-util.js'
import { loadOrCreateKey, readStoredServerId } from '../src/key-store.js'
import { parseServerArgs } from '../src/server-args.js'

const saved = { ...process.env }
afterEach(() => {
  for (const k of Object.keys(process.env)) if (k.startsWith('KP_DEMO_')) delete process.env[k]
  Object.assign(process.env, saved)
})

describe('server command line', () => {
  it('runs with no configuration', () => {
    expect(parseServerArgs([])).toEqual({ host: '127.0.0.1', tcpPort: 8470, udpPort: 8471, httpPort: 8472, dataDir: DEFAULT_DATA_DIR })
  })

  it('takes flags over environment variables, and port 0', () => {
    process.env.KP_DEMO_TCP_PORT = '9000'
    process.env.KP_DEMO_HOST = '0.0.0.0'
    const c = parseServerArgs(['--tcp-port', '0', '--udp-port', '0', '--data-dir', '/tmp/x'])
    expect(c).toMatchObject({ host: '0.0.0.0', tcpPort: 0, udpPort: 0, httpPort: 8472, dataDir: '/tmp/x' })
    expect(parseServerArgs([])).toMatchObject({ tcpPort: 9000 })
    expect(parseServerArgs(['--help'])).toBe('help')
  })

  it('names the bad flag or variable', () => {
    expect(() => parseServerArgs(['--tcp-port', '65536'])).toThrow(new UsageError('--tcp-port expected a port number 0..65535, got "65536"'))
    expect(() => parseServerArgs(['--udp-port', 'abc'])).toThrow(/--udp-port expected a port number/)
    process.env.KP_DEMO_HTTP_PORT = '-1'
    expect(() => parseServerArgs([])).toThrow(/KP_DEMO_HTTP_PORT expected a port number 0..65535, got "-1"/)
    expect(() => parseServerArgs(['--host', ''])).toThrow(/--host expected a host name/)
    expect(() => parseServerArgs(['--prot', '1'])).toThrow(UsageError)
    expect(() => parseServerArgs(['extra'])).toThrow(UsageError)
  })
})

describe('server command line: cluster', () => {
  it('--cluster starts 2 nodes by default; --nats alone joins one; the key is 64 hex digits', () => {
    expect(parseServerArgs(['--cluster'])).toMatchObject({ cluster: { launch: true, nodes: 2, nats: null, nodeName: null, key: null } })
    expect(parseServerArgs(['--cluster', '--nodes', '3', '--nats', 'nats://10.0.0.1:4222'])).toMatchObject({
      cluster: { launch: true, nodes: 3, nats: 'nats://10.0.0.1:4222' },
    })
    process.env.KP_DEMO_NATS = 'nats://127.0.0.1:4222'
    process.env.KP_DEMO_CLUSTER_KEY = 'ab'.repeat(32)
    const c = parseServerArgs(['--node-name', 'east-1'])
    expect(c).toMatchObject({ cluster: { launch: false, nats: 'nats://127.0.0.1:4222', nodeName: 'east-1' } })
    expect(c !== 'help' && c.cluster?.key).toEqual(new Uint8Array(32).fill(0xab))
  })

  it('names what is wrong', () => {
    expect(() => parseServerArgs(['--nodes', '3'])).toThrow(new UsageError('--nodes goes with --cluster'))
    expect(() => parseServerArgs(['--cluster', '--nodes', '9'])).toThrow(/--nodes expected 2\.\.5, got 9/)
    expect(() => parseServerArgs(['--nats', 'localhost:4222'])).toThrow(/--nats expected a NATS URL like nats:\/\/127\.0\.0\.1:4222/)
    expect(() => parseServerArgs(['--node-name', 'x'])).toThrow(/--node-name needs --nats <url>/)
    expect(() => parseServerArgs(['--cluster', '--cluster-key', 'abc'])).toThrow(/--cluster-key expected 64 hex digits/)
    expect(() => parseServerArgs(['--cluster', '--node-name', 'x'])).toThrow(/--cluster names its nodes/)
  })
})

describe('client command line', () => {
  const id = SigningKey.generate().publicKey

  it('defaults to TCP on the default port and reads the id in either form', () => {
    const c = parseClientArgs(['--server-id', id.toHex(), 'ping', 'hi'])
    expect(c).toMatchObject({ transport: 'tcp', host: '127.0.0.1', port: DEFAULT_PORTS.tcp, commands: [{ name: 'ping', text: 'hi' }] })
    if (c === 'help') throw new Error('unreachable')
    expect(c.serverId!.equals(id)).toBe(true)
    expect(parseClientArgs(['--server-id', id.toBase64url(), '--transport', 'ws', 'check'])).toMatchObject({ port: 8472, url: 'ws://127.0.0.1:8472/kp' })
    // a base64url id may start with '-': still the option's value, not an option
    let dashed = SigningKey.generate().publicKey
    for (let i = 0; i < 10_000 && !dashed.toBase64url().startsWith('-'); i++) dashed = SigningKey.generate().publicKey
    expect(dashed.toBase64url().startsWith('-')).toBe(true)
    const d = parseClientArgs(['--server-id', dashed.toBase64url(), 'check'])
    if (d === 'help') throw new Error('unreachable')
    expect(d.serverId!.equals(dashed)).toBe(true)
    process.env.KP_DEMO_UDP_PORT = '9001'
    expect(parseClientArgs(['-t', 'udp', 'check'])).toMatchObject({ port: 9001, serverId: null })
  })

  it('runs several commands joined by "+", listen last', () => {
    const c = parseClientArgs(['set-foo', 'a b', '-5', '+', 'get-foo', '+', 'listen', '--count', '2'])
    expect(c).toMatchObject({ count: 2, commands: [{ name: 'set-foo', text: 'a b', number: -5 }, { name: 'get-foo' }, { name: 'listen' }] })
    expect(() => parseClientArgs(['listen', '+', 'ping', 'x'])).toThrow(/listen .* must be the last command/)
    expect(() => parseClientArgs(['ping', 'x', '+'])).toThrow(/empty command/)
  })

  it('rejects bad usage with a message naming the problem', () => {
    const cases: [string[], RegExp][] = [
      [[], /no command given/],
      [['frob'], /unknown command "frob"/],
      [['ping'], /ping takes 1 argument \(ping <text>\), got 0/],
      [['ping', 'a', 'b'], /quote a text with spaces/],
      [['set-foo', 'a', '1.5'], /set-foo <number> expected an integer/],
      [['chat', ' ', 'hi'], /non-empty nickname/],
      [['--transport', 'smoke', 'check'], /--transport expected one of tcp, udp, ws/],
      [['--port', '0', 'check'], /--port expected a port number 1..65535/],
      [['--server-id', 'abc', 'check'], /--server-id expected the server id/],
      [['--count', '0', 'listen'], /--count expected a positive integer/],
      [['--count', '1', 'check'], /--count only applies to listen/],
    ]
    for (const [argv, re] of cases) expect(() => parseClientArgs(argv), argv.join(' ')).toThrow(re)
  })
})

describe('key store', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kp-demo-keys-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('creates the key on first run (0600 in a 0700 directory) and reuses it after', async () => {
    const data = join(dir, 'a', 'data')
    const first = await loadOrCreateKey(data)
    expect(first.created).toBe(true)
    expect((await stat(data)).mode & 0o777).toBe(0o700)
    expect((await stat(first.keyFile)).mode & 0o777).toBe(0o600)
    const second = await loadOrCreateKey(data)
    expect(second.created).toBe(false)
    expect(second.key.publicKey.equals(first.key.publicKey)).toBe(true)
    expect((await readStoredServerId(data))!.equals(first.key.publicKey)).toBe(true)
    expect(await readFile(second.publicKeyFile, 'utf8')).toBe(`${first.key.publicKey.toBase64url()}\n`)
  })

  it('tightens a key file readable by others, and refuses a damaged one', async () => {
    const data = join(dir, 'b')
    const { keyFile } = await loadOrCreateKey(data)
    await chmod(keyFile, 0o644)
    const again = await loadOrCreateKey(data)
    expect(again.warnings.join()).toMatch(/was readable by others .* changed to 0600/)
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600)
    await writeFile(keyFile, 'not a key\n')
    await expect(loadOrCreateKey(data)).rejects.toThrow(FatalError)
    await expect(loadOrCreateKey(data)).rejects.toThrow(/does not hold an Ed25519 seed/)
  })

  it('has no id to offer in an empty directory', async () => {
    expect(await readStoredServerId(join(dir, 'none'))).toBeNull()
  })
})

it('token fingerprints are four groups of four hex digits', () => {
  expect(tokenFingerprint(Uint8Array.from({ length: 32 }, (_, i) => i * 17))).toBe('0011-2233-4455-6677')
})
