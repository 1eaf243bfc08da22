/** The request/reply loop of a scale child process (server or client). */
import type { Reply, Request } from './types.js'

/** Sends one message to the orchestrator; resolves once handed to the IPC channel. */
export function reply(m: Reply): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve()
    process.send(m, undefined, {}, () => resolve())
  })
}

/**
 * Answers the orchestrator's requests with `handlers[op](arg)`; reports `ready` (id 0) with
 * `info`. Exits when the orchestrator goes away, and on any uncaught failure (after saying so).
 */
export function serveRequests(handlers: Record<string, (arg: any) => unknown>): void {
  const die = (e: unknown) => {
    const error = e instanceof Error ? (e.stack ?? e.message) : String(e)
    console.error(`[scale child ${process.pid}] fatal: ${error}`)
    setTimeout(() => process.exit(1), 200).unref()
  }
  process.on('uncaughtException', die)
  process.on('unhandledRejection', die)
  process.on('disconnect', () => process.exit(0))
  process.on('message', (m: Request) => {
    const h = handlers[m.op]
    if (!h) {
      void reply({ id: m.id, ok: false, error: `unknown op ${m.op}` })
      return
    }
    Promise.resolve()
      .then(() => h(m.arg))
      .then(
        (value) => reply({ id: m.id, ok: true, value }),
        (e) => reply({ id: m.id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
      )
  })
}

/** Now, ms since the epoch with sub-millisecond precision (comparable across processes of one machine). */
export function epochMs(): number {
  return performance.timeOrigin + performance.now()
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
