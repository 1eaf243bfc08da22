import { build } from 'esbuild'
import { gzipSync } from 'node:zlib'
import { readFileSync, writeFileSync } from 'node:fs'
const patch = process.env.PATCH === '1'
const plugin = { name: 'patch', setup(b) {
  b.onLoad({ filter: /link\/record-io\.ts$/ }, (a) => {
    if (!patch) return undefined
    let s = readFileSync(a.path, 'utf8')
    s = s.replace("import { ArqEngine } from '../arq/engine.js'", "import type { ArqEngine } from '../arq/engine.js'").replace('this.arq = new ArqEngine({', 'this.arq = options.transport.arqEngine!({')
    return { contents: s, loader: 'ts' }
  })
}}
const r = await build({ entryPoints: [process.argv[2]], bundle: true, minify: true, format: 'esm', splitting: true, outdir: '/tmp/perfb/split', platform: 'browser', write: true, conditions: ['@kp/source','browser'], plugins: [plugin], metafile: true, logLevel: 'error' })
writeFileSync('/tmp/perfb/meta3.json', JSON.stringify(r.metafile))
for (const [f, o] of Object.entries(r.metafile.outputs)) {
  const t = readFileSync(f)
  console.log(f, o.entryPoint ? 'ENTRY' : 'chunk', 'min', t.length, 'gzip', gzipSync(t, { level: 9 }).length)
}
