/** Module hooks of ts-register.mjs: `.js` → `.ts` fallback in resolve, esbuild type stripping in load. */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { transform } from 'esbuild'

export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context)
  } catch (e) {
    const relative = specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:')
    if (relative && specifier.endsWith('.js')) return next(`${specifier.slice(0, -3)}.ts`, context)
    throw e
  }
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !(url.endsWith('.ts') || url.endsWith('.mts'))) return next(url, context)
  const file = fileURLToPath(url)
  const { code } = await transform(await readFile(file, 'utf8'), { loader: 'ts', format: 'esm', target: 'node20', sourcemap: 'inline', sourcefile: file })
  return { format: 'module', source: code, shortCircuit: true }
}
