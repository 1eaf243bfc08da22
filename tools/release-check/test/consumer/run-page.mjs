// Runs a page script under Node: `node run-page.mjs <script> <url> <serverId> <label>`.
const [script, url, serverId, label] = process.argv.slice(2)
globalThis.KP_TEST = { url, serverId, label }
await import(new URL(script, `file://${process.cwd()}/`).href)
