import { bp, command, type ConnectOptions, connect, type KiloClient, KiloInterface, SigningKey } from '@kp/core'
import { createUdpServer, type CreateUdpServerOptions, type UdpServer, udpConnector, type UdpConnectorOptions } from '../../src/index.js'

/** Commands of the UDP tests. */
export const api = {
  echo: command('echo', bp.string, bp.string),
  echoBytes: command('echoBytes', bp.bytes, bp.bytes),
  /** A numbered push: the receiver records the number. */
  mark: command('mark', bp.int, bp.unit),
  /** How many `mark` pushes the server received from this session, and how many distinct. */
  marks: command('marks', bp.unit, bp.struct({ total: bp.int, distinct: bp.int })),
  /** Counts calls the server handled. */
  tick: command('tick', bp.int, bp.int),
  /** The server pushes `n` numbered `mark`s to the caller, one per event-loop turn, then answers (once per session). */
  pushMe: command('pushMe', bp.int, bp.unit),
  hang: command('hang', bp.unit, bp.unit),
}

export interface Session {
  marks: number[]
  /** Server: the `pushMe` run of this session (a retried call joins it instead of pushing again). */
  pushing?: Promise<void>
}

/** What the server's handlers saw. */
export interface Probe {
  ticks: number
}

export const serverKey = SigningKey.generate()

const turn = () => new Promise<void>((r) => setImmediate(r))

export function serverInterface(probe: Probe): KiloInterface<Session> {
  return new KiloInterface<Session>()
    .on(api.echo, (s) => s)
    .on(api.echoBytes, (b) => b)
    .on(api.mark, (n, ctx) => {
      ctx.session.marks.push(n)
    })
    .on(api.marks, (_, ctx) => ({ total: ctx.session.marks.length, distinct: new Set(ctx.session.marks).size }))
    .on(api.tick, (n) => {
      probe.ticks++
      return n
    })
    .on(api.pushMe, async (n, ctx) => {
      ctx.session.pushing ??= (async () => {
        for (let i = 0; i < n; i++) {
          ctx.push(api.mark, i)
          await turn()
        }
      })()
      await ctx.session.pushing
    })
    .on(api.hang, () => new Promise<void>(() => {}))
}

/** Starts a UDP server on 127.0.0.1 with the test interface. */
export async function startServer(options: Partial<CreateUdpServerOptions<Session>> = {}): Promise<UdpServer<Session> & { probe: Probe }> {
  const probe: Probe = { ticks: 0 }
  const server = await createUdpServer(serverInterface(probe), {
    key: serverKey,
    host: '127.0.0.1',
    port: 0,
    session: () => ({ marks: [] }),
    ...options,
  })
  return Object.assign(server, { probe })
}

/** A client of the test interface (no reconnect unless asked), recording pushes it gets. */
export function client(target: UdpConnectorOptions, options: ConnectOptions<Session> = {}): KiloClient<Session> & { session: Session } {
  const session: Session = { marks: [] }
  const iface = new KiloInterface<Session>().on(api.mark, (n, ctx) => {
    ctx.session.marks.push(n)
  })
  const c = connect<Session>(udpConnector(target), { serverId: serverKey.publicKey, iface, session, reconnect: false, ...options })
  return Object.assign(c, { session })
}

/** One event-loop turn. */
export { turn }
