import type { Schema } from '@kp/bipack'

/**
 * A typed command: its name on the wire and the bipack schemas of its argument and result.
 * Invariant in `A` and `R` (as `Schema` is): a `Command<{ a: number; b: string }, R>` is not a
 * `Command<{ a: number }, R>`.
 */
export interface Command<A, R> {
  readonly name: string
  readonly args: Schema<A>
  readonly result: Schema<R>
}

/** Argument type of a command. */
export type ArgsOf<C> = C extends Command<infer A, any> ? A : never
/** Result type of a command. */
export type ResultOf<C> = C extends Command<any, infer R> ? R : never

/**
 * Declares a command, shared by both sides (typically in an `api.ts` both import).
 * @example
 * export const cmdPing = command('ping', bp.string, bp.string)
 */
export function command<A, R>(name: string, args: Schema<A>, result: Schema<R>): Command<A, R> {
  if (typeof name !== 'string' || name.length === 0 || name.length > 255) {
    throw new TypeError(`"name" expected a non-empty string of at most 255 characters, got ${typeof name === 'string' ? `length=${name.length}` : typeof name}`)
  }
  if (!isSchema(args)) throw new TypeError(`"args" of command '${name}' expected a bipack schema`)
  if (!isSchema(result)) throw new TypeError(`"result" of command '${name}' expected a bipack schema`)
  return Object.freeze({ name, args, result })
}

function isSchema(s: unknown): s is Schema<unknown> {
  return typeof s === 'object' && s !== null && typeof (s as Schema<unknown>).encode === 'function' && typeof (s as Schema<unknown>).decode === 'function'
}
