import { build } from 'esbuild'
import { gzipSync } from 'node:zlib'
import { readFileSync, writeFileSync, rmSync } from 'node:fs'
const stubs = (process.env.STUB || '').split(',').filter(Boolean)
const plugin = { name: 'patch', setup(b) {
  b.onLoad({ filter: /.*/ }, (a) => {
    if (/link\/record-io\.ts$/.test(a.path)) {
      let s = readFileSync(a.path, 'utf8')
      s = s.replace("import { ArqEngine } from '../arq/engine.js'", "import type { ArqEngine } from '../arq/engine.js'").replace('this.arq = new ArqEngine({', 'this.arq = options.transport.arqEngine!({')
      return { contents: s, loader: 'ts' }
    }
    for (const st of stubs) if (a.path.includes(st) && /crypto\/src\/noble\/(blake2b|chacha)/.test(a.path)) return { contents: 'export const nobleBlake2b256=()=>0, nobleSeal=()=>0, nobleOpen=()=>0, NobleAead=class{};', loader: 'js' }
    return undefined
  })
}}
rmSync('/tmp/perfb/split3', { recursive: true, force: true })
const r = await build({ entryPoints: [process.argv[2]], bundle: true, minify: true, format: 'esm', splitting: true, outdir: '/tmp/perfb/split3', platform: 'browser', write: true, conditions: ['@kp/source','browser'], nodePaths: ['/work/wt/perf/packages/core/node_modules'], plugins: [plugin], metafile: true, logLevel: 'error' })
let min = 0, gz = 0
const out = r.metafile.outputs
const entry = Object.keys(out).find((f) => out[f].entryPoint && !f.includes('curves'))
const seen = new Set(); const walk = (f) => { if (seen.has(f)) return; seen.add(f); for (const i of out[f].imports) if (i.kind === 'import-statement') walk(i.path) }
walk(entry)
let all = Buffer.alloc(0)
for (const f of seen) { const t = readFileSync(f); min += t.length; gz += gzipSync(t, { level: 9 }).length; all = Buffer.concat([all, t]) }
console.log(process.env.STUB || 'none', 'initial min', min, 'gzip (per file)', gz, 'gzip(concat)', gzipSync(all, { level: 9 }).length)
