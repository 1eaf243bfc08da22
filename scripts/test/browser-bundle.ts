/**
 * Bundles a test page for the browser the way an app would (browser conditions, workspace
 * packages from their sources), for the Chromium tests of `@kp/core` and
 * `@kp/transport-ws-client`. esbuild is a devDependency of the workspace root.
 */
import { build } from 'esbuild'

/** One ES module of the page: from an entry file, or from `stdin` (TypeScript) resolved in `resolveDir`. */
export async function bundle(options: { entry?: string; stdin?: { contents: string; resolveDir: string } }): Promise<string> {
  const result = await build({
    ...(options.entry ? { entryPoints: [options.entry] } : {}),
    ...(options.stdin ? { stdin: { ...options.stdin, loader: 'ts' as const } } : {}),
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@kp/source', 'browser'],
    logLevel: 'silent',
  })
  return result.outputFiles[0]!.text
}
