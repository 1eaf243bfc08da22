/**
 * What an idle session's keepalive costs a server with no protocol at all: `pnpm bench:wakeup-floor
 * [--sessions 2000] [--interval-ms 25000] [--window-s 50]`.
 *
 * A plain `node:net` server (no encryption, no framing) and one client process holding
 * `--sessions` sockets; one 40-byte message per socket and interval, echoed by the other side,
 * sent two ways in turn:
 *
 * - `spread`: each client socket sends on its own timer, at a random phase (as clients that ping
 *   on their own schedule do); every message wakes the server on its own;
 * - `batched`: the server writes to every socket in one timer callback and the clients echo (as
 *   a server that pings its quiet sessions in one sweep does).
 *
 * Prints the server's CPU (user + system, `process.cpuUsage`) per message and per session and
 * second over the window: the floor under PROTOCOL.md 6.2's swept PINGs. Loopback only.
 */
import { fork } from 'node:child_process'
import net from 'node:net'
import { parseArgs } from 'node:util'

const MESSAGE = Buffer.alloc(40)

await main()

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: { sessions: { type: 'string' }, 'interval-ms': { type: 'string' }, 'window-s': { type: 'string' } },
  })
  const int = (v: string | undefined, fallback: number, name: string, min: number, max: number) => {
    const n = v === undefined ? fallback : Number(v)
    if (!Number.isInteger(n) || n < min || n > max) throw new RangeError(`"--${name}" expected an integer ${min}..${max}, got ${v}`)
    return n
  }
  const sessions = int(args.sessions, 2_000, 'sessions', 1, 15_000)
  const intervalMs = int(args['interval-ms'], 25_000, 'interval-ms', 100, 600_000)
  const windowS = int(args['window-s'], 50, 'window-s', 1, 3_600)
  console.log(`wakeup floor: ${sessions} sockets, one 40-byte message each per ${intervalMs} ms, ${windowS} s window per mode`)
  for (const mode of ['spread', 'batched'] as const) {
    // plain JavaScript, no loader: the server process runs nothing but the echo
    const child = fork(new URL('./wakeup-floor-server.mjs', import.meta.url), [mode, String(intervalMs)], { execArgv: [] })
    const next = () => new Promise<Record<string, number>>((resolve) => child.once('message', resolve as (m: unknown) => void))
    const { port } = await next()
    const sockets: net.Socket[] = []
    const timers: ReturnType<typeof setTimeout>[] = []
    for (let i = 0; i < sessions; i++) {
      const s = net.connect(port!, '127.0.0.1')
      s.setNoDelay(true)
      s.on('error', () => s.destroy())
      if (mode === 'batched') s.on('data', (d) => s.write(d))
      else {
        s.on('data', () => {})
        timers.push(
          setTimeout(() => {
            s.write(MESSAGE)
            timers.push(setInterval(() => s.write(MESSAGE), intervalMs))
          }, Math.random() * intervalMs),
        )
      }
      sockets.push(s)
      if (i % 500 === 499) await new Promise((r) => setTimeout(r, 20))
    }
    // let every socket connect and the spread timers reach their phases
    await new Promise((r) => setTimeout(r, Math.min(intervalMs, 10_000) + 2_000))
    child.send('cpu')
    const c0 = await next()
    await new Promise((r) => setTimeout(r, windowS * 1000))
    child.send('cpu')
    const c1 = await next()
    const seconds = (c1.at! - c0.at!) / 1000
    const cpuUs = c1.cpuUs! - c0.cpuUs!
    const messages = (sessions * seconds * 1000) / intervalMs
    console.log(
      `  ${mode.padEnd(8)} server CPU ${(cpuUs / 1000 / seconds).toFixed(2)} ms/s: ${(cpuUs / messages).toFixed(1)} µs per message and echo, ${(cpuUs / seconds / sessions).toFixed(2)} µs/s per session`,
    )
    for (const t of timers) clearTimeout(t)
    for (const s of sockets) s.destroy()
    child.send('exit')
    await new Promise((r) => child.once('exit', r))
  }
}
