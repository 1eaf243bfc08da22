// The smallest useful browser client, as a new user writes it from the README: connectWs, one
// command, one call. test/bundle-size.test.ts bundles it and bounds its size.
import { bp, command } from '@kp/core'
import { connectWs } from '@kp/transport-ws-client'

const cmdPing = command('ping', bp.string, bp.string)
const params = new URLSearchParams(location.search)
const client = connectWs(`ws://${location.host}/kp`, { serverId: params.get('serverId') ?? '' })
client.call(cmdPing, 'hello').then(
  (answer) => {
    document.body.textContent = answer
  },
  (e) => {
    document.body.textContent = `error: ${e}`
  },
)
