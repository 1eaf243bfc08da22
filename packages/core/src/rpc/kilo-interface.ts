import type { Command } from './command.js'
import type { CallContext, SessionContext } from './context.js'

/** A command handler: gets the decoded arguments and the call context, returns the result. */
export type Handler<A, R, S> = (args: A, ctx: CallContext<S>) => R | Promise<R>

/** @internal */
export interface Registration<S> {
  command: Command<any, any>
  handler: Handler<any, any, S>
}

/**
 * The commands one side answers, plus connect and disconnect hooks. Pass the same interface to
 * every server (TCP, UDP, WebSocket); a client passes one to answer the server's calls.
 * @example
 * const api = new KiloInterface<Session>()
 *   .onConnected(ctx => { ctx.session.foo = null })
 *   .on(cmdPing, text => text)
 */
export class KiloInterface<S = unknown> {
  /** @internal */
  readonly handlers = new Map<string, Registration<S>>()
  /** @internal */
  readonly connectedHooks: ((ctx: SessionContext<S>) => void | Promise<void>)[] = []
  /** @internal */
  readonly disconnectedHooks: ((ctx: SessionContext<S>, reason: string) => void)[] = []

  /** Registers the handler of a command (one per command name; a second `on` replaces it). */
  on<A, R>(command: Command<A, R>, handler: Handler<A, R, S>): this {
    if (typeof handler !== 'function') throw new TypeError(`"handler" of '${command?.name}' expected a function`)
    this.handlers.set(command.name, { command, handler })
    return this
  }

  /** Runs when a connection is established, before the peer's first call is handled. */
  onConnected(hook: (ctx: SessionContext<S>) => void | Promise<void>): this {
    this.connectedHooks.push(hook)
    return this
  }

  /** Runs once when a connection ends, with the reason. */
  onDisconnected(hook: (ctx: SessionContext<S>, reason: string) => void): this {
    this.disconnectedHooks.push(hook)
    return this
  }
}
