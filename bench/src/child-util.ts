/** Shared by the server and client child processes. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ChildMessage, Env } from './types.js'

/** Sends one message to the orchestrator; resolves once handed to the IPC channel. */
export function send(m: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve()
    process.send(m, undefined, {}, () => resolve())
  })
}

/** Reads the TLS material the orchestrator generated. */
export function loadEnv(certDir: string): Env {
  return {
    certDir,
    cert: readFileSync(join(certDir, 'cert.pem'), 'utf8'),
    key: readFileSync(join(certDir, 'key.pem'), 'utf8'),
  }
}

/** Reports any uncaught failure to the orchestrator and exits; exits too when the orchestrator goes away. */
export function guard(): void {
  const die = (e: unknown) => {
    const error = e instanceof Error ? (e.stack ?? e.message) : String(e)
    void send({ type: 'fatal', error }).finally(() => process.exit(1))
    setTimeout(() => process.exit(1), 1_000).unref()
  }
  process.on('uncaughtException', die)
  process.on('unhandledRejection', die)
  process.on('disconnect', () => process.exit(0))
}
