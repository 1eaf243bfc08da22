/** Where the library reports what happens. Every level is optional; the default logs nothing. */
export interface Logger {
  debug?(message: string): void
  info?(message: string): void
  warn?(message: string): void
  error?(message: string): void
}

/** A logger that drops everything. */
export const silentLogger: Logger = {}

/**
 * A logger printing `level` and above to the console, each line prefixed with `[prefix]` (a
 * prefix already in brackets is used as it is: `consoleLogger('[kp]')` prints `[kp]` once).
 * @example
 * serve(listener, api, { key, logger: consoleLogger('my-server', 'debug') })
 */
export function consoleLogger(prefix = 'kp', level: 'debug' | 'info' | 'warn' = 'info'): Logger {
  const order = { debug: 0, info: 1, warn: 2 }
  const at = order[level]
  const tag = prefix.startsWith('[') && prefix.endsWith(']') ? prefix : `[${prefix}]`
  return {
    ...(at <= 0 ? { debug: (m: string) => console.debug(`${tag} ${m}`) } : {}),
    ...(at <= 1 ? { info: (m: string) => console.info(`${tag} ${m}`) } : {}),
    warn: (m: string) => console.warn(`${tag} ${m}`),
    error: (m: string) => console.error(`${tag} ${m}`),
  }
}

/**
 * The logger used when none is given: warnings and errors on the console (a handler that throws,
 * a result that does not encode, a hook that fails). Pass `silentLogger` to print nothing.
 */
export const defaultLogger: Logger = consoleLogger('kp', 'warn')
