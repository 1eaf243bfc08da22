import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { makeCert } from './make-cert.js'
import { SMALL } from './measure.js'
import { startProfile, stopProfile } from './profiler.js'
import type { ClientAdapter, ClientModule, Conn, Env, ServerModule } from './types.js'

const [sys, mode = 'seq'] = process.argv.slice(2)
const profAt = process.argv.indexOf('--prof')
const profFile = profAt > 0 ? process.argv[profAt + 1] : undefined
if (!sys) throw new TypeError('usage: diag-inprocess.ts <system> [seq|pipe|big] [--prof file]')

const dir = makeCert('kp-diag-')
const env: Env = { certDir: dir, cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') }
rmSync(dir, { recursive: true, force: true })

const info = await ((await import(`./systems/${sys}/server.js`)) as ServerModule).startServer(env)
const adapter: ClientAdapter = await ((await import(`./systems/${sys}/client.js`)) as ClientModule).createClient(info, env)
const conn: Conn = await adapter.connect()
const big = new Uint8Array(64 * 1024).fill(7)

async function round(n: number): Promise<void> {
  if (mode === 'connect') {
    for (let i = 0; i < n; i++) {
      const c = await adapter.connect()
      await c.echo(SMALL)
      await c.close()
    }
    return
  }
  if (mode === 'seq') {
    for (let i = 0; i < n; i++) await conn.echo(SMALL)
    return
  }
  let issued = 0
  const inFlight = mode === 'big' ? 8 : 100
  const one = mode === 'big' ? () => conn.echoBytes(big) : () => conn.echo(SMALL)
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (issued++ < n) await one()
    }),
  )
}

const N = mode === 'connect' ? 150 : mode === 'big' ? 500 : mode === 'pipe' ? 20_000 : 10_000
await round(N / 3) // warm-up
if (profFile) await startProfile()
const out: string[] = []
for (let r = 0; r < 3; r++) {
  const u0 = process.cpuUsage()
  const t0 = performance.now()
  await round(N)
  const u = process.cpuUsage(u0)
  out.push(`${(((performance.now() - t0) * 1000) / N).toFixed(1)} wall / ${(u.user / N).toFixed(1)} user + ${(u.system / N).toFixed(1)} sys`)
}
if (profFile) await stopProfile(profFile)
console.log(`${sys.padEnd(13)} ${mode}: µs per call (both ends): ${out.join(';  ')}`)
process.exit(0)
