// Shape (b): the page script of a browser app, @kp/core + @kp/transport-ws-client. Bundled for
// a browser with esbuild; also run as is under Node (the `node` condition: `ws` when installed,
// else Node's global WebSocket).
import { connectWs } from '@kp/transport-ws-client'
import { cmdPing } from './api.mjs'

/** Where to connect: set by the page (here by the test's runner) before this script runs. */
const { url, serverId, label } = /** @type {{ url: string, serverId: string, label: string }} */ (
  /** @type {any} */ (globalThis).KP_TEST
)
const client = connectWs(url, { serverId })
const result = await client.call(cmdPing, label)
await client.close()
console.log(JSON.stringify({ ws: result }))
