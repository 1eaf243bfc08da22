import { createServer, type Server } from 'node:http'
import { build } from 'esbuild'

/** Bundles for the browser the way an app would: browser conditions, workspace packages from source. */
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

/** An HTTP server for one test page: `/` (with any query) is `html` loading `/page.js`, which is `script`; anything else 404. */
export function pageServer(script: string, html: string): Server {
  const page = `<!doctype html><meta charset="utf-8">${html}<script type="module" src="/page.js"></script>`
  return createServer((req, res) => {
    if (req.url?.startsWith('/page.js')) res.writeHead(200, { 'content-type': 'text/javascript' }).end(script)
    else if (req.url === '/' || req.url?.startsWith('/?')) res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page)
    else res.writeHead(404).end()
  })
}
