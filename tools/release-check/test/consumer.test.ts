import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type Background, createConsumer, runNode, startNode, typecheck } from '../src/consumer.js'
import { readJson } from '../src/workspace.js'

// Installs the packed tarballs into fresh projects outside the workspace with plain npm, in the
// three shapes a user would pick, and runs a small program against real servers in each:
//   (a) @kp/core + @kp/transport-tcp           (Node, no WebSocket code installed)
//   (b) @kp/core + @kp/transport-ws-client     (a browser page bundled with esbuild; no ws installed)
//   (c) everything                             (TCP, UDP and WebSocket servers, one interface)

const packed = inject('packed')
const packError = inject('packError')
if (packError) throw new Error(`packing the packages failed, nothing to check: ${packError}`)
const fixtures = fileURLToPath(new URL('./consumer/', import.meta.url))
const tscJs = createRequire(import.meta.url).resolve('typescript/lib/tsc.js')
const tarballs = (...names: string[]) => names.map((n) => packed[n]!.tarball)
const CORE = ['@kp/bipack', '@kp/crypto', '@kp/core']
const log = (text: string) => console.log(`[consumer] ${text}`)

let base = ''
const dirs = { a: '', b: '', c: '' }

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'kp-consumer-'))
  dirs.a = join(base, 'a')
  dirs.b = join(base, 'b')
  dirs.c = join(base, 'c')
  const started = Date.now()
  log(`npm install of the tarballs into ${base}/{a,b,c} (in parallel)…`)
  await Promise.all([
    createConsumer(dirs.a, 'kp-consumer-a', tarballs(...CORE, '@kp/transport-tcp'), fixtures),
    createConsumer(dirs.b, 'kp-consumer-b', tarballs(...CORE, '@kp/transport-ws-client'), fixtures),
    createConsumer(
      dirs.c,
      'kp-consumer-c',
      Object.values(packed).map((p) => p.tarball),
      fixtures,
    ),
  ])
  log(`installed in ${Date.now() - started} ms`)
}, 240_000)

afterAll(async () => {
  if (base && !process.env.KP_KEEP_TMP) await rm(base, { recursive: true, force: true })
})

/** Every @kp/* package in a consumer's lockfile came from a tarball, none from the registry. */
async function expectKpFromTarballs(dir: string, names: string[]) {
  const lock = readJson(join(dir, 'package-lock.json'))
  const kp = Object.entries<any>(lock.packages).filter(([path]) => /node_modules\/@kp\//.test(path))
  expect(kp.map(([path]) => path.replace(/^.*node_modules\//, '')).sort()).toEqual([...names].sort())
  for (const [path, entry] of kp) expect(entry.resolved, path).toMatch(/^file:/)
}

describe('consumer installs from the packed tarballs (npm, outside the workspace)', () => {
  it('(a) @kp/core + @kp/transport-tcp: no ws installed; a TCP call works', async () => {
    await expectKpFromTarballs(dirs.a, [...CORE, '@kp/transport-tcp'])
    expect(existsSync(join(dirs.a, 'node_modules', 'ws')), 'ws must not be installed').toBe(false)
    expect(await runNode(dirs.a, ['shape-a.mjs'])).toEqual({ tcp: 'pong: tcp' })
    log('(a) TCP call ok, no ws in node_modules')
  })

  it('(b) @kp/core + @kp/transport-ws-client bundled for a browser: ws not installed, no node: import, no ws; the bundle and the Node build both call a ws server', async () => {
    await expectKpFromTarballs(dirs.b, [...CORE, '@kp/transport-ws-client'])
    // ws is an optional peer dependency of the client: a browser-only app does not install it
    expect(existsSync(join(dirs.b, 'node_modules', 'ws')), 'ws must not be installed with ws-client alone').toBe(false)
    const wsClientManifest = readJson(join(dirs.b, 'node_modules', '@kp', 'transport-ws-client', 'package.json'))
    expect(wsClientManifest.dependencies?.ws, 'ws is not a dependency of ws-client').toBeUndefined()
    expect(wsClientManifest.peerDependenciesMeta?.ws?.optional).toBe(true)
    const result = await build({
      entryPoints: [join(dirs.b, 'page.mjs')],
      absWorkingDir: dirs.b,
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      outfile: join(dirs.b, 'dist', 'page.js'),
      metafile: true,
      logLevel: 'silent',
    })
    const inputs = Object.keys(result.metafile.inputs)
    const code = await readFile(join(dirs.b, 'dist', 'page.js'), 'utf8')
    expect(
      inputs.filter((f) => /node_modules\/ws\//.test(f)),
      'ws code in the browser bundle',
    ).toEqual([])
    expect(
      inputs.filter((f) => /index\.node\.js$|\/node\//.test(f)),
      'node entries in the browser bundle',
    ).toEqual([])
    expect(code.match(/["'`]node:[a-z_/]+["'`]/g) ?? [], 'node: specifiers in the browser bundle').toEqual([])
    expect(code).not.toMatch(/\brequire\(["'](ws|net|dgram|crypto)["']\)/)
    expect(inputs.some((f) => f.includes('node_modules/@kp/transport-ws-client/dist/index.js'))).toBe(true)
    log(`(b) browser bundle: ${(code.length / 1024).toFixed(0)} KiB, ${inputs.length} inputs, no ws, no node:`)

    // A ws server from shape (c)'s install; the browser bundle runs under Node with Node's own
    // WebSocket (a global in Node >= 22, behind a flag in Node 20), then the unbundled page
    // script runs on the package's Node entry, which falls back to that global without ws.
    const server: Background = await startNode(dirs.c, 'ws-server.mjs')
    try {
      const { url, serverId } = server.info
      const flag = typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function' ? [] : ['--experimental-websocket', '--no-warnings']
      expect(await runNode(dirs.b, [...flag, 'run-page.mjs', './dist/page.js', url, serverId, 'browser bundle'])).toEqual({
        ws: 'pong: browser bundle',
      })
      expect(await runNode(dirs.b, [...flag, 'run-page.mjs', './page.mjs', url, serverId, 'node'])).toEqual({ ws: 'pong: node' })
    } finally {
      await server.stop()
    }
    log('(b) WebSocket calls from the browser bundle and from Node (global WebSocket, no ws) ok')
  })

  it('(c) everything: TCP, UDP and WebSocket servers with one interface, one call each; require() works; no @types in production', async () => {
    await expectKpFromTarballs(dirs.c, Object.keys(packed))
    // ws-server's public types need no @types/ws: a production install has no @types/* at all
    expect(existsSync(join(dirs.c, 'node_modules', '@types')), 'no @types/* in a production install').toBe(false)
    const wsServerManifest = readJson(join(dirs.c, 'node_modules', '@kp', 'transport-ws-server', 'package.json'))
    expect(Object.keys(wsServerManifest.dependencies ?? {}).filter((d) => d.startsWith('@types/'))).toEqual([])
    expect(existsSync(join(dirs.c, 'node_modules', 'ws')), 'ws comes with ws-server').toBe(true)
    expect(await runNode(dirs.c, ['shape-c.mjs'])).toEqual({ tcp: 'pong: tcp', udp: 'pong: udp', ws: 'pong: ws' })
    expect(await runNode(dirs.c, ['--no-warnings', 'require.cjs'])).toEqual({ connect: 'function', connectTcp: 'function' })
    log('(c) TCP, UDP and WebSocket calls ok; require(esm) ok')
  })

  it('the programs type-check against the published types (Node: nodenext; browser: bundler)', async () => {
    const nodeTypes = join(fileURLToPath(new URL('../../../node_modules/@types', import.meta.url)))
    await writeFile(
      join(dirs.c, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          allowJs: true,
          checkJs: true,
          skipLibCheck: true,
          typeRoots: [nodeTypes],
          types: ['node'],
        },
        include: ['*.mjs'],
      }),
    )
    await writeFile(
      join(dirs.b, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'esnext',
          moduleResolution: 'bundler',
          target: 'es2022',
          lib: ['es2022', 'dom'],
          strict: true,
          noEmit: true,
          allowJs: true,
          checkJs: true,
          skipLibCheck: true,
          types: [],
        },
        files: ['page.mjs'],
      }),
    )
    const [c, b] = await Promise.all([typecheck(dirs.c, tscJs), typecheck(dirs.b, tscJs)])
    expect(c.output, 'shape (c) tsc').toBe('')
    expect(b.output, 'shape (b) tsc').toBe('')
    log('type checks ok')
  })
})
