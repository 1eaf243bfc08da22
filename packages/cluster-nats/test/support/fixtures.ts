/** Servers, clients and a shared api for the cluster tests (in-memory transports from core). */
import {
  bp,
  command,
  connect,
  defineError,
  KiloInterface,
  type KiloClient,
  type KiloServer,
  memoryConnector,
  memoryListener,
  type SessionContext,
  SigningKey,
  serve,
  silentLogger,
} from '@kp/core'

export const cmdNote = command('note', bp.string, bp.unit)
export const cmdAsk = command('ask', bp.string, bp.string)
export const cmdSlow = command('slow', bp.int, bp.int)
export const cmdBlob = command('blob', bp.bytes, bp.unit)
export const QuotaError = defineError('Quota', bp.struct({ limit: bp.int }))

/** A server whose sessions are recorded as they open. */
export interface TestServer {
  server: KiloServer
  port: number
  sessions: SessionContext<unknown>[]
  close(): Promise<void>
}

export async function startServer(iface = new KiloInterface()): Promise<TestServer> {
  const listener = await memoryListener()
  const server = serve(listener, iface, { key: SigningKey.generate(), logger: silentLogger })
  const sessions: SessionContext<unknown>[] = []
  server.on('session', (s) => sessions.push(s))
  return { server, port: listener.address.port, sessions, close: () => server.close() }
}

/** A client that records the notes pushed to it and answers `ask` and `slow`. */
export interface TestClient {
  client: KiloClient
  key: SigningKey
  notes: string[]
  /** Resolves when `n` notes arrived. */
  waitNotes(n: number, timeoutMs?: number): Promise<string[]>
}

export async function startClient(port: number, name: string, key = SigningKey.generate()): Promise<TestClient> {
  const notes: string[] = []
  const waiters = new Set<() => void>()
  const iface = new KiloInterface()
    .on(cmdNote, (text) => {
      notes.push(text)
      for (const w of waiters) w()
    })
    .on(cmdAsk, (q) => {
      if (q === 'quota') throw new QuotaError('over quota', { limit: 7 })
      return `${name} answers ${q}`
    })
    .on(cmdSlow, async (ms, ctx) => {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms)
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(t)
          resolve()
        })
      })
      return ms
    })
  const client = connect(memoryConnector(port), { insecureAcceptAnyServer: true, key, iface, reconnect: false, logger: silentLogger })
  await client.ready()
  return {
    client,
    key,
    notes,
    waitNotes(n, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (notes.length >= n) {
            clearTimeout(timer)
            waiters.delete(check)
            resolve(notes)
          }
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`${notes.length} of ${n} notes after ${timeoutMs} ms: ${JSON.stringify(notes)}`))
        }, timeoutMs)
        waiters.add(check)
        check()
      })
    },
  }
}

/** Polls `cond` every 10 ms until true; fails after `timeoutMs`. */
export async function until(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
