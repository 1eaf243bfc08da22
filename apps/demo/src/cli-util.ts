/** Small helpers shared by the server and client command lines (Node only). */
import { dirname, isAbsolute, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Default ports: TCP, UDP, and HTTP (the page and the WebSocket endpoint share it). */
export const DEFAULT_PORTS = { tcp: 8470, udp: 8471, ws: 8472 } as const
/** Default host for both sides. */
export const DEFAULT_HOST = '127.0.0.1'
/** Path of the WebSocket endpoint on the HTTP server. */
export const WS_PATH = '/kp'
/** `apps/demo/data`, wherever the command is run from. */
export const DEFAULT_DATA_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../data')
/** File holding the server's secret seed (hex), mode 0600. */
export const KEY_FILE = 'server.key'
/** File holding the server's public id (base64url), for clients on the same machine. */
export const PUBLIC_KEY_FILE = 'server.pub'

/** A bad command line: printed with a hint to `--help`, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** A failure to report in one clear message (no stack), exit code 1. */
export class FatalError extends Error {
  override readonly name = 'FatalError'
}

/** Parses a port: an integer 0..65535 (0 = any free port) or, with `allowZero: false`, 1..65535. */
export function parsePort(value: string, what: string, allowZero = true): number {
  const n = /^\d{1,5}$/.test(value.trim()) ? Number(value.trim()) : Number.NaN
  const min = allowZero ? 0 : 1
  if (!Number.isInteger(n) || n < min || n > 65_535) {
    throw new UsageError(`${what} expected a port number ${min}..65535, got ${JSON.stringify(value)}`)
  }
  return n
}

/** Parses a positive integer option. */
export function parsePositiveInt(value: string, what: string): number {
  const n = /^\d{1,9}$/.test(value.trim()) ? Number(value.trim()) : Number.NaN
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${what} expected a positive integer, got ${JSON.stringify(value)}`)
  return n
}

/** Checks a host name or address given on the command line. */
export function parseHost(value: string, what: string): string {
  const v = value.trim()
  if (v === '' || /\s/.test(v) || v.length > 253) throw new UsageError(`${what} expected a host name or IP address, got ${JSON.stringify(value)}`)
  return v.startsWith('[') && v.endsWith(']') ? v.slice(1, -1) : v
}

/**
 * A flag's value, else the environment variable's, else undefined; `label` names where it came
 * from, for error messages.
 */
export function flagOrEnv(flag: string | undefined, flagName: string, envName: string): { value: string; label: string } | undefined {
  if (flag !== undefined) return { value: flag, label: `--${flagName}` }
  const env = process.env[envName]
  if (env !== undefined && env !== '') return { value: env, label: envName }
  return undefined
}

/**
 * Resolves a path given by the user against the directory they typed the command in (pnpm runs
 * scripts in the package directory and passes the original one as INIT_CWD).
 */
export function userPath(p: string): string {
  return isAbsolute(p) ? p : resolve(process.env.INIT_CWD ?? process.cwd(), p)
}

/** `host:port`, with brackets around IPv6 addresses. */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`
}

/** A host others can connect to: wildcard addresses become `localhost`. */
export function connectableHost(host: string): string {
  return host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host
}

/** The error's message, with the causes' messages when they add something. */
export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e)
  let msg = e.message
  let cause = (e as { cause?: unknown }).cause
  for (let i = 0; i < 3 && cause instanceof Error; i++) {
    if (!msg.includes(cause.message)) msg += ` (${cause.message})`
    cause = (cause as { cause?: unknown }).cause
  }
  return msg
}

/**
 * The command-line arguments; a leading `--` is dropped (`pnpm demo -- --help` passes it on to
 * the script as is).
 */
export function cliArgs(argv = process.argv.slice(2)): string[] {
  return argv[0] === '--' ? argv.slice(1) : argv
}
