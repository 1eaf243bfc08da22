/**
 * One Kiloparsec stream over TCP with both ends in this process: items/s and MB/s of a stream, then
 * the latency of small calls alone and beside an endless stream.
 * `tsx --conditions=@kp/source src/diag-stream.ts [item bytes] [items] [credit]`
 */
import { SigningKey } from '@kp/core'
import { connectTcp, createTcpServer } from '@kp/transport-tcp'
import { cmdEcho, echoApi, streamItems } from './systems/kp-api.js'

const size = Number(process.argv[2] ?? 65536)
const count = Number(process.argv[3] ?? 2048)
const credit = process.argv[4] ? Number(process.argv[4]) : undefined
const key = SigningKey.generate()
const server = await createTcpServer(echoApi(), { key, host: '127.0.0.1', port: 0 })
const client = connectTcp({ host: '127.0.0.1', port: server.address.port, serverId: key.publicKey.toHex(), reconnect: false })
await client.ready()
for (let rep = 0; rep < 3; rep++) {
  const t0 = performance.now()
  let n = 0
  for await (const _ of client.stream(streamItems, { count, size }, credit ? { credit } : undefined)) n++
  const s = (performance.now() - t0) / 1000
  console.log(`${n} items of ${size} B: ${(n / s).toFixed(0)} items/s, ${((n * size) / 1e6 / s).toFixed(1)} MB/s`)
}
{
  const lat: number[] = []
  for (let i = 0; i < 300; i++) {
    const t = performance.now()
    await client.call(cmdEcho, 'x')
    lat.push(performance.now() - t)
  }
  lat.sort((a, b) => a - b)
  console.log(`calls alone: median ${lat[150]!.toFixed(2)} ms, p99 ${lat[297]!.toFixed(2)} ms`)
}
// calls beside an endless stream
const ac = new AbortController()
let bytes = 0
const reading = (async () => {
  try {
    for await (const b of client.stream(streamItems, { count: 0, size: 65536 }, { signal: ac.signal })) bytes += b.length
  } catch {}
})()
while (bytes < 8e6) await new Promise((r) => setTimeout(r, 1))
const lat: number[] = []
const b0 = bytes
const t0 = performance.now()
for (let i = 0; i < 300; i++) {
  const t = performance.now()
  await client.call(cmdEcho, 'x')
  lat.push(performance.now() - t)
}
const mb = (bytes - b0) / 1e6 / ((performance.now() - t0) / 1000)
ac.abort()
await reading
lat.sort((a, b) => a - b)
console.log(`calls beside a stream: median ${lat[150]!.toFixed(2)} ms, p99 ${lat[297]!.toFixed(2)} ms, stream ${mb.toFixed(0)} MB/s`)
await client.close()
await server.close()
