/** Where the library reports what happens. Every level is optional; the default logs nothing. */
export interface Logger {
  debug?(message: string): void
  info?(message: string): void
  warn?(message: string): void
  error?(message: string): void
}

/** A logger that drops everything. */
export const silentLogger: Logger = {}

/** A logger printing info and above to the console, with a prefix. */
export function consoleLogger(prefix = 'kp', level: 'debug' | 'info' | 'warn' = 'info'): Logger {
  const order = { debug: 0, info: 1, warn: 2 }
  const at = order[level]
  return {
    ...(at <= 0 ? { debug: (m: string) => console.debug(`[${prefix}] ${m}`) } : {}),
    ...(at <= 1 ? { info: (m: string) => console.info(`[${prefix}] ${m}`) } : {}),
    warn: (m: string) => console.warn(`[${prefix}] ${m}`),
    error: (m: string) => console.error(`[${prefix}] ${m}`),
  }
}
