import { createServer, type Server } from 'node:http'

/** An HTTP server for one test page: `/` (with any query) is `html` loading `/page.js`, which is `script`; anything else 404. */
export function pageServer(script: string, html: string): Server {
  const page = `<!doctype html><meta charset="utf-8">${html}<script type="module" src="/page.js"></script>`
  return createServer((req, res) => {
    if (req.url?.startsWith('/page.js')) res.writeHead(200, { 'content-type': 'text/javascript' }).end(script)
    else if (req.url === '/' || req.url?.startsWith('/?')) res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page)
    else res.writeHead(404).end()
  })
}
