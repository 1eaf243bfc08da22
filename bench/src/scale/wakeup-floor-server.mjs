// The server process of wakeup-floor.ts: plain node:net, echo (spread) or one write to every
// socket per interval (batched); answers 'cpu' with its process.cpuUsage(). Plain JavaScript so
// that no loader runs beside it.
import net from 'node:net'

const [mode, intervalMs] = [process.argv[2], Number(process.argv[3])]
const MESSAGE = Buffer.alloc(40)
const sockets = new Set()
const server = net.createServer((s) => {
  s.setNoDelay(true)
  sockets.add(s)
  s.on('close', () => sockets.delete(s))
  s.on('error', () => s.destroy())
  s.on('data', mode === 'spread' ? (d) => s.write(d) : () => {})
})
server.maxConnections = 60_000
if (mode === 'batched') {
  setInterval(() => {
    for (const s of sockets) s.write(MESSAGE)
  }, intervalMs)
}
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }))
process.on('message', (m) => {
  if (m === 'cpu') {
    const u = process.cpuUsage()
    process.send({ cpuUs: u.user + u.system, at: performance.now() })
  }
  if (m === 'exit') process.exit(0)
})
