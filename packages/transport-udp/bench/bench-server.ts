/**
 * The server half of the benchmark, in a child process (its own core, as in a deployment): a
 * plain `node:dgram` echo, a `node:dgram` sink that counts datagrams, and a Kiloparsec UDP server.
 */
import { createSocket } from 'node:dgram'
import { bp, command, KiloInterface, SigningKey } from '@kp/core'
import { createUdpServer } from '../src/index.js'

/** bytes in, the same bytes back */
export const cmdEcho = command('echo', bp.bytes, bp.bytes)
/** a push the server counts */
export const cmdNote = command('note', bp.bytes, bp.unit)
/** how many `note` pushes this session delivered so far */
export const cmdNotes = command('notes', bp.unit, bp.int)

/** First byte of a datagram asking the sink for its count (answered with a u32). */
export const SINK_REPORT = 0xff

async function bound(port = 0) {
  const s = createSocket('udp4')
  await new Promise<void>((r) => s.bind(port, '127.0.0.1', r))
  s.setRecvBufferSize(4 * 1024 * 1024)
  return s
}

if (process.send) {
  const echo = await bound()
  echo.on('message', (m, r) => echo.send(m, r.port, r.address))
  const sink = await bound()
  let count = 0
  sink.on('message', (m, r) => {
    if (m[0] !== SINK_REPORT) return void count++
    const out = Buffer.alloc(4)
    out.writeUInt32BE(count)
    count = 0
    sink.send(out, r.port, r.address)
  })
  const key = SigningKey.generate()
  const iface = new KiloInterface<{ notes: number }>()
    .on(cmdEcho, (b) => b)
    .on(cmdNote, (_, ctx) => {
      ctx.session.notes++
    })
    .on(cmdNotes, (_, ctx) => {
      const n = ctx.session.notes
      ctx.session.notes = 0
      return n
    })
  const server = await createUdpServer(iface, { key, host: '127.0.0.1', port: 0, session: () => ({ notes: 0 }) })
  process.send({ echo: echo.address().port, sink: sink.address().port, kp: server.listener.address.port, serverId: key.publicKey.toString() })
  process.on('disconnect', () => process.exit(0))
}
