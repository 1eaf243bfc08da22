import type { Schema } from '@kp/bipack'

/** Which of a stream's two directions carry items (PROTOCOL.md 14): its three shapes. */
export type StreamShape = 'stream' | 'sink' | 'channel'

/** A stream: the callee sends items of type `T` to the caller. Made by {@link stream}. */
export interface StreamDefinition<A, T> {
  readonly shape: 'stream'
  readonly name: string
  readonly args: Schema<A>
  /** Schema of the items the callee sends. */
  readonly item: Schema<T>
}

/** A sink: the caller sends items of type `T`, the callee answers once with `R`. Made by {@link sink}. */
export interface SinkDefinition<A, T, R> {
  readonly shape: 'sink'
  readonly name: string
  readonly args: Schema<A>
  /** Schema of the items the caller sends. */
  readonly item: Schema<T>
  /** Schema of the callee's one result. */
  readonly result: Schema<R>
}

/** A channel: items of type `I` from the caller to the callee, and of type `O` back. Made by {@link channel}. */
export interface ChannelDefinition<A, I, O> {
  readonly shape: 'channel'
  readonly name: string
  readonly args: Schema<A>
  /** Schema of the items the caller sends (the handler's `incoming`). */
  readonly input: Schema<I>
  /** Schema of the items the callee sends (what the handler yields). */
  readonly output: Schema<O>
}

/** Any stream, sink or channel definition. */
export type AnyStreamDefinition = StreamDefinition<any, any> | SinkDefinition<any, any, any> | ChannelDefinition<any, any, any>

/** OPEN flag: the opener sends items (PROTOCOL.md 14). */
export const OPENER_SENDS = 1
/** OPEN flag: the callee sends items. */
export const CALLEE_SENDS = 2

/** The OPEN flags of a shape. @internal */
export function flagsOf(shape: StreamShape): number {
  return shape === 'stream' ? CALLEE_SENDS : shape === 'sink' ? OPENER_SENDS : OPENER_SENDS | CALLEE_SENDS
}

/** The shape announced by OPEN flags, or null for flags no shape has. @internal */
export function shapeOf(flags: number): StreamShape | null {
  return flags === CALLEE_SENDS ? 'stream' : flags === OPENER_SENDS ? 'sink' : flags === (OPENER_SENDS | CALLEE_SENDS) ? 'channel' : null
}

/** The item schemas of both directions and the result schema of a definition. @internal */
export interface DirectionSchemas {
  /** Items from the opener to the callee, or null. */
  up: Schema<unknown> | null
  /** Items from the callee to the opener, or null (a sink's callee answers with `result`). */
  down: Schema<unknown> | null
  result: Schema<unknown> | null
}

/** @internal */
export function schemasOf(def: AnyStreamDefinition): DirectionSchemas {
  switch (def.shape) {
    case 'stream':
      return { up: null, down: def.item, result: null }
    case 'sink':
      return { up: def.item, down: null, result: def.result }
    default:
      return { up: def.input, down: def.output, result: null }
  }
}

/** True for a definition made by {@link stream}, {@link sink} or {@link channel}. */
export function isStreamDefinition(d: unknown): d is AnyStreamDefinition {
  if (typeof d !== 'object' || d === null) return false
  const shape = (d as { shape?: unknown }).shape
  return shape === 'stream' || shape === 'sink' || shape === 'channel'
}
