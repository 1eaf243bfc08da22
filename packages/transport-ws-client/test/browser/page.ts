/** The browser test page: bundled by esbuild for the browser, run in Chromium. */
import { KiloError, KiloInterface } from '@kp/core'
import { connectWs } from '@kp/transport-ws-client'
import { api } from './api.js'

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
const show = (id: string, label: string, text: string) => {
  const p = document.createElement('p')
  const code = document.createElement('code')
  code.id = id
  code.textContent = text
  p.append(`${label}: `, code)
  document.body.append(p)
}

async function main() {
  const params = new URLSearchParams(location.search)
  const serverId = params.get('serverId') ?? ''
  const url = `ws://${location.host}/kp`
  const results: Record<string, unknown> = { url }

  const shouted: string[] = []
  const iface = new KiloInterface().on(api.shout, (text) => {
    shouted.push(text)
    return text.toUpperCase()
  })
  const client = connectWs(url, { serverId, iface, reconnect: false })
  await client.ready()
  results.remoteId = client.remoteId?.toHex()
  results.sum = await client.call(api.add, { a: 2, b: 40 })
  const big = new Uint8Array(200_000).map((_, i) => i * 7)
  const back = await client.call(api.echoBytes, big)
  results.bigEcho = back.length === big.length && back.every((x, i) => x === big[i])
  results.askBack = await client.call(api.askBack, 'hello from the server')
  results.shouted = shouted
  const token = client.token ? hex(client.token) : ''
  results.token = token
  results.serverToken = await client.call(api.serverToken, undefined)
  show('token', 'session token', token)

  // Streams: 2 000 numbers in order, a break that stops the server's generator, a pull-based
  // ReadableStream, and a sink fed by a Blob's ReadableStream (as a file input gives one).
  let next = 0
  let ordered = true
  for await (const n of client.stream(api.numbers, 2000)) ordered &&= n === next++
  results.streamCount = next
  results.streamOrdered = ordered
  let seen = 0
  for await (const _ of client.stream(api.numbers, 0)) if (++seen === 10) break
  results.afterBreak = await client.call(api.add, { a: seen, b: 0 })
  const reader = client.stream(api.numbers, 3).readable.getReader()
  const viaReadable: number[] = []
  for (let r = await reader.read(); !r.done; r = await reader.read()) viaReadable.push(r.value)
  results.viaReadable = viaReadable
  const file = new Blob([new Uint8Array(1_000_000).fill(7), new Uint8Array(48_576).fill(1)])
  results.uploaded = String(await client.sink(api.upload, 'file.bin', file.stream()))

  // The same server under a wrong pin must fail the handshake.
  const wrong = connectWs(url, { serverId: params.get('otherId') ?? '', reconnect: false })
  results.wrongPin = await wrong.ready().then(
    () => 'connected?!',
    (e) => (KiloError.isInstance(e) ? e.code : String(e)),
  )
  await wrong.close().catch(() => {})
  await client.close()
  results.finalState = client.state
  show('results', 'results', JSON.stringify(results, null, 1))
}

main().then(
  () => show('status', 'status', 'done'),
  (e) => show('status', 'status', `error: ${e?.name}: ${e?.message}`),
)
