import { spawn } from 'node:child_process'
import { cp, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { run, runOk } from './exec.js'

/**
 * The environment for `npm` and `node` in a consumer project: the caller's, minus what pnpm,
 * npm and vitest put there for the workspace (npm_*, pnpm_*, NODE_OPTIONS), so the install
 * behaves as on a user's machine. Registry, proxy and CA settings are kept.
 */
export function cleanNpmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    const keep = /^npm_config_(registry|https?_proxy|proxy|noproxy|cafile|ca|strict_ssl|cache)$/i.test(k)
    if (!keep && (/^(npm|pnpm)_/i.test(k) || k === 'NODE_OPTIONS' || k === 'VITEST' || k.startsWith('VITEST_'))) continue
    env[k] = v
  }
  env.npm_config_update_notifier = 'false'
  return env
}

/**
 * Creates a consumer project in `dir` (outside the workspace) and installs `tarballs` there with
 * one plain `npm install`, so every @kp/* dependency is satisfied by a tarball and only
 * third-party packages (@noble/*, ws) come from the registry.
 */
export async function createConsumer(dir: string, name: string, tarballs: string[], fixtures: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'package.json'), `${JSON.stringify({ name, version: '0.0.0', private: true, type: 'module' }, null, 2)}\n`)
  await cp(fixtures, dir, { recursive: true })
  await runOk('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], {
    cwd: dir,
    env: cleanNpmEnv(),
    timeoutMs: 180_000,
  })
}

/** Runs `node <args>` in `dir` and parses the last line of its output as JSON. */
export async function runNode(dir: string, args: string[], timeoutMs = 30_000): Promise<any> {
  const out = await runOk(process.execPath, args, { cwd: dir, env: cleanNpmEnv(), timeoutMs })
  const last = out.trim().split('\n').pop() ?? ''
  return JSON.parse(last)
}

/** A node process that printed one JSON line and keeps running until {@link stop}. */
export interface Background {
  info: any
  stop(): Promise<void>
}

/** Starts `node <script>` in `dir`, resolves with the first line it prints (parsed as JSON). */
export function startNode(dir: string, script: string, timeoutMs = 30_000): Promise<Background> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { cwd: dir, env: cleanNpmEnv(), stdio: ['pipe', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()))
    const closed = new Promise<void>((r) => child.on('close', () => r()))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${script} printed nothing in ${timeoutMs} ms\n${stderr}`))
    }, timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => reject(new Error(`${script} exited with ${code} before printing\n${stderr}`)))
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer)
      const stop = async () => {
        child.stdin.end()
        const t = setTimeout(() => child.kill('SIGKILL'), 5000)
        await closed
        clearTimeout(t)
      }
      try {
        resolve({ info: JSON.parse(line), stop })
      } catch (e) {
        void stop()
        reject(e)
      }
    })
  })
}

/** `tsc -p <dir>` with the workspace's TypeScript; returns its output (empty when clean). */
export async function typecheck(dir: string, tscJs: string): Promise<{ ok: boolean; output: string }> {
  const r = await run(process.execPath, [tscJs, '-p', dir], { cwd: dir, timeoutMs: 120_000 })
  return { ok: r.code === 0, output: (r.stdout + r.stderr).trim() }
}
