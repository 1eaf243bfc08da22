import { type AnyStreamDefinition, type ChannelDefinition, isStreamDefinition, type SinkDefinition, type StreamDefinition } from '../stream/definitions.js'
import { loadedStreams } from '../stream/stream-support.js'
import type { ChannelHandler, SinkHandler, StreamHandler } from '../stream/types.js'
import type { Command } from './command.js'
import { type IncomingHost, IncomingCalls } from './incoming-calls.js'
import type { Logger } from '../util/logger.js'
import type { CallContext, SessionContext } from './context.js'

/**
 * What a handler may return for a result of type `R`: `R`, and also nothing (`void`) when `R`
 * admits `undefined` (a `bp.unit` result), so `text => console.log(text)` is a handler.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a handler's return type: `void` lets `text => console.log(text)` answer a unit command
export type HandlerResult<R> = undefined extends R ? R | void : R

/** The handler type of a command, stream, sink or channel definition. */
export type HandlerOf<D, S> =
  D extends StreamDefinition<infer A, infer T>
    ? StreamHandler<A, T, S>
    : D extends SinkDefinition<infer A, infer T, infer R>
      ? SinkHandler<A, T, R, S>
      : D extends ChannelDefinition<infer A, infer I, infer O>
        ? ChannelHandler<A, I, O, S>
        : D extends Command<infer A, infer R>
          ? Handler<A, R, S>
          : never

/** A command handler: gets the decoded arguments and the call context, returns the result. */
export type Handler<A, R, S> = (args: A, ctx: CallContext<S>) => HandlerResult<R> | Promise<HandlerResult<R>>

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

  /**
   * Registers the handler of a command, stream, sink or channel (one per name; a second `on`
   * replaces it): `(args, ctx) => result` for a command, an `async function*` yielding the items
   * for a stream, `(args, items, ctx) => result` for a sink, `async function* (args, incoming,
   * ctx)` for a channel (PROTOCOL.md 14). The types come from the definition alone (`NoInfer`):
   * a handler whose result misses a field, or whose parameter wants more than the definition
   * sends, is a compile error at the handler.
   */
  on<D extends Command<any, any> | AnyStreamDefinition>(definition: D, handler: NoInfer<HandlerOf<D, S>>): this {
    const command = definition as Command<any, any> | AnyStreamDefinition
    if (typeof handler !== 'function') throw new TypeError(`"handler" of '${command?.name}' expected a function`)
    if (isStreamDefinition(command) && loadedStreams() === null)
      throw new TypeError(`"definition" '${command.name}' is not a ${command.shape} definition made by ${command.shape}(): declare it with ${command.shape}()`)
    this.handlers.set(command.name, { command: command as Command<any, any>, handler: handler as Handler<any, any, S> })
    return this
  }

  /**
   * The table that runs this interface's handlers for one session's incoming calls and pushes.
   * The interface brings it: a session without one (a client that only calls) never loads it. @internal
   */
  incomingCalls(host: IncomingHost<S>, maxInFlight: number, receiveLimit: number, logger: Logger): IncomingCalls<S> {
    return new IncomingCalls<S>(host, this, maxInFlight, receiveLimit, logger)
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
