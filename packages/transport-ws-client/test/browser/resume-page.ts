/** The browser resumption test page (PROTOCOL.md 15): bundled by esbuild, run in Chromium. */
import { connectWs } from '@kp/transport-ws-client'
import { api } from './api.js'

const show = (id: string, text: string) => {
  const p = document.createElement('p')
  const code = document.createElement('code')
  code.id = id
  code.textContent = text
  p.append(`${id}: `, code)
  document.body.append(p)
}

async function main() {
  const params = new URLSearchParams(location.search)
  const client = connectWs(`ws://${location.host}/kp`, { serverId: params.get('serverId') ?? '', resume: true })
  const events: string[] = []
  client.on('interrupted', () => {
    events.push('interrupted')
    show('banner', 'reconnecting…')
  })
  client.on('resumed', () => events.push('resumed'))
  client.on('resumeRefused', (e) => events.push(`refused: ${e.reason}`))
  await client.ready()
  // 1 000 calls (the server cuts the socket while they run) and a stream of 2 000 numbers
  const failures: string[] = []
  const calls = Array.from({ length: 1000 }, (_, i) =>
    client.call(api.add, { a: i, b: 1 }).then(
      (r) => {
        if (r !== i + 1) failures.push(`${i}: got ${r}`)
        return r === i + 1
      },
      (e) => {
        failures.push(`${i}: ${e?.message}`)
        return false
      },
    ),
  )
  let next = 0
  let ordered = true
  const streamed = (async () => {
    for await (const n of client.stream(api.numbers, 2000, { credit: 16 })) ordered &&= n === next++
  })()
  const ok = await Promise.all(calls)
  await streamed
  const results = {
    failures: failures.slice(0, 5),
    answered: ok.filter(Boolean).length,
    streamCount: next,
    streamOrdered: ordered,
    events,
    state: client.state,
  }
  await client.close()
  show('results', JSON.stringify(results))
}

main().then(
  () => show('status', 'done'),
  (e) => show('status', `error: ${e?.name}: ${e?.message}`),
)
