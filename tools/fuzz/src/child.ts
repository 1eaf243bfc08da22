/** Shared by the child processes: IPC to the orchestrator, and leaving when it goes away. */
import type { ChildMessage } from './messages.js'

/** Sends one message to the orchestrator; resolves once handed to the IPC channel. */
export function send(m: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve()
    process.send(m, undefined, {}, () => resolve())
  })
}

/** Exits when the orchestrator disconnects (Ctrl-C, crash of the orchestrator). */
export function leaveWithParent(): void {
  process.on('disconnect', () => process.exit(0))
}

/**
 * Attacker and client: an uncaught failure is reported, then the process exits 1. (The server
 * does its own: its crash is what the run counts.)
 */
export function guard(role: string): void {
  const die = (e: unknown) => {
    const error = `${role}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`
    void send({ type: 'fatal', error }).finally(() => process.exit(1))
    setTimeout(() => process.exit(1), 1_000).unref()
  }
  process.on('uncaughtException', die)
  process.on('unhandledRejection', die)
}
