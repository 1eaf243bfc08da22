import type { AnyStreamDefinition, ChannelDefinition, SinkDefinition, StreamDefinition } from '../stream/definitions.js'
import type { ChannelHandler, SinkHandler, StreamHandler } from '../stream/types.js'
import type { Command } from './command.js'
import type { CallContext, SessionContext } from './context.js'

/** A command handler: gets the decoded arguments and the call context, returns the result. */
export type Handler<A, R, S> = (args: A, ctx: CallContext<S>) => R | Promise<R>

/** @internal */
export interface Registration<S> {
  /** The command, or a stream definition (`isStreamDefinition`) whose handler has another shape. */
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

  /** Registers the handler of a stream: an `async function*` yielding the items (PROTOCOL.md 14). */
  on<A, T>(definition: StreamDefinition<A, T>, handler: StreamHandler<A, T, S>): this
  /** Registers the handler of a sink: reads `items`, returns the result. */
  on<A, T, R>(definition: SinkDefinition<A, T, R>, handler: SinkHandler<A, T, R, S>): this
  /** Registers the handler of a channel: reads `incoming`, yields the items sent back. */
  on<A, I, O>(definition: ChannelDefinition<A, I, O>, handler: ChannelHandler<A, I, O, S>): this
  /** Registers the handler of a command (one per command name; a second `on` replaces it). */
  on<A, R>(command: Command<A, R>, handler: Handler<A, R, S>): this
  on(command: Command<any, any> | AnyStreamDefinition, handler: (...args: any[]) => unknown): this {
    if (typeof handler !== 'function') throw new TypeError(`"handler" of '${command?.name}' expected a function`)
    this.handlers.set(command.name, { command: command as Command<any, any>, handler: handler as Handler<any, any, S> })
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
