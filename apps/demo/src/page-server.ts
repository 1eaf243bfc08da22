/**
 * The HTTP side of the demo: serves the browser page at `/` and its script (bundled from
 * `src/page/main.ts` with esbuild at startup, for the browser, from the workspace sources). The
 * WebSocket endpoint is attached to the same `http.Server` by the caller.
 */
import { readFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, stop } from 'esbuild'
import { WS_PATH } from './cli-util.js'

const pageDir = join(dirname(fileURLToPath(import.meta.url)), 'page')

/** The page's files, ready to serve. */
export interface PageAssets {
  html: string
  script: string
}

/** Bundles the page script for browsers and reads the HTML. */
export async function buildPage(): Promise<PageAssets> {
  const [html, result] = await Promise.all([
    readFile(join(pageDir, 'index.html'), 'utf8'),
    build({
      entryPoints: [join(pageDir, 'main.ts')],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      // '@kp/source': read the workspace packages' sources, no build needed
      conditions: ['@kp/source', 'browser'],
      minify: true,
      sourcemap: false,
      legalComments: 'none',
      logLevel: 'silent',
    }),
  ])
  // The bundle is built once: let esbuild's helper process go.
  await stop()
  return { html, script: result.outputFiles[0]!.text }
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'",
}

/** The request handler of the demo's HTTP server (the WebSocket upgrade is handled elsewhere). */
export function pageHandler(assets: PageAssets): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Method Not Allowed\n')
      return
    }
    const send = (type: string, body: string) => {
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store', ...SECURITY_HEADERS })
      res.end(req.method === 'HEAD' ? undefined : body)
    }
    if (path === '/' || path === '/index.html') send('text/html; charset=utf-8', assets.html)
    else if (path === '/main.js') send('text/javascript; charset=utf-8', assets.script)
    else if (path === '/favicon.ico') res.writeHead(204).end()
    else if (path === WS_PATH) {
      res.writeHead(426, { 'content-type': 'text/plain; charset=utf-8', upgrade: 'websocket' })
      res.end('Kiloparsec endpoint: connect with a WebSocket, subprotocol "kp1"\n')
    } else res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not Found\n')
  }
}
