// @kp/core over the in-memory reliable transport: handshakes/s, sequential latency, pipelined
// calls/s and 64 KiB throughput.  pnpm --filter @kp/core bench [--quick]
import * as bp from '@kp/bipack'
import { SigningKey } from '@kp/crypto'
import { command, connect, KiloInterface, memoryConnector, memoryListener, serve } from '../src/index.js'

const quick = process.argv.includes('--quick')
const echo = command('echo', bp.string, bp.string)
const echoBytes = command('echoBytes', bp.bytes, bp.bytes)
const key = SigningKey.generate()

async function main() {
  const listener = await memoryListener()
  const server = serve(
    listener,
    new KiloInterface().on(echo, (s) => s).on(echoBytes, (b) => b),
    // every handshake here comes from one in-memory address, faster than the per-address rate a
    // server applies under a flood (200/s once it starts over 1 000/s): lifted for the bench
    { key, handshakesPerSecondPerAddress: 1e9 },
  )
  const port = listener.address.port
  const rows: [string, string][] = []

  // handshakes/s and CPU per handshake (both sides run in this process)
  const hsN = quick ? 200 : 2000
  const cpu0 = process.cpuUsage()
  let t0 = performance.now()
  for (let i = 0; i < hsN; i++) {
    const c = connect(memoryConnector(port), { serverId: key.publicKey, reconnect: false })
    await c.ready()
    await c.close()
  }
  let dt = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  rows.push(['handshakes/s', (hsN / (dt / 1000)).toFixed(0)])
  rows.push(['CPU per handshake, both sides (ms)', ((cpu.user + cpu.system) / 1000 / hsN).toFixed(3)])

  const c = connect(memoryConnector(port), { serverId: key.publicKey, reconnect: false })
  await c.ready()
  const payload = 'x'.repeat(16)
  for (let i = 0; i < 2000; i++) await c.call(echo, payload)

  // sequential latency
  const seqN = quick ? 2000 : 10_000
  const lat: number[] = []
  for (let i = 0; i < seqN; i++) {
    const s = performance.now()
    await c.call(echo, payload)
    lat.push(performance.now() - s)
  }
  lat.sort((a, b) => a - b)
  rows.push(['sequential latency median (µs)', (lat[lat.length >> 1]! * 1000).toFixed(1)])
  rows.push(['sequential latency p99 (µs)', (lat[Math.floor(lat.length * 0.99)]! * 1000).toFixed(1)])

  // pipelined, 100 in flight
  const pipeN = quick ? 20_000 : 100_000
  t0 = performance.now()
  let sent = 0
  await Promise.all(
    Array.from({ length: 100 }, async () => {
      while (sent < pipeN) {
        sent++
        await c.call(echo, payload)
      }
    }),
  )
  dt = performance.now() - t0
  rows.push(['pipelined calls/s (100 in flight)', (pipeN / (dt / 1000)).toFixed(0)])

  // 64 KiB echo, 8 in flight
  const big = new Uint8Array(64 * 1024)
  const bigN = quick ? 200 : 2000
  sent = 0
  t0 = performance.now()
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (sent < bigN) {
        sent++
        await c.call(echoBytes, big)
      }
    }),
  )
  dt = performance.now() - t0
  rows.push(['64 KiB echo MB/s (one direction, 8 in flight)', ((bigN * big.length) / 1e6 / (dt / 1000)).toFixed(1)])

  await c.close()
  await server.close()
  console.log(`@kp/core over the in-memory transport (${process.version}, ${quick ? 'quick' : 'full'} run)`)
  console.log('| measure | value |\n|---|---|')
  for (const [k, v] of rows) console.log(`| ${k} | ${v} |`)
}

await main()
