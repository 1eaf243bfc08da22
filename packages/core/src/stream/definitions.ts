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

function checkName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 255) {
    throw new TypeError(`"name" expected a non-empty string of at most 255 characters, got ${typeof name === 'string' ? `length=${name.length}` : typeof name}`)
  }
}

function checkSchema(s: unknown, what: string, name: string): void {
  if (typeof s !== 'object' || s === null || typeof (s as Schema<unknown>).write !== 'function' || typeof (s as Schema<unknown>).read !== 'function') {
    throw new TypeError(`"${what}" of '${name}' expected a bipack schema`)
  }
}

/**
 * Declares a stream, shared by both sides: the callee's handler yields items, the caller reads
 * them with credit-based backpressure.
 * @example
 * export const ticks = stream('ticks', bp.u32, bp.u64)
 * iface.on(ticks, async function* (everyMs, ctx) { ... yield n })
 * for await (const t of peer.stream(ticks, 100)) console.log(t)
 */
export function stream<A, T>(name: string, args: Schema<A>, item: Schema<T>): StreamDefinition<A, T> {
  checkName(name)
  checkSchema(args, 'args', name)
  checkSchema(item, 'item', name)
  return Object.freeze({ shape: 'stream' as const, name, args, item })
}

/**
 * Declares a sink: the caller sends items (an AsyncIterable or a ReadableStream), the callee's
 * handler reads them and answers once.
 * @example
 * export const upload = sink('upload', bp.string, bp.bytes, bp.u64)
 * iface.on(upload, async (name, items, ctx) => { let n = 0n; for await (const b of items) n += BigInt(b.length); return n })
 * const total = await peer.sink(upload, 'a.bin', file.stream())
 */
export function sink<A, T, R>(name: string, args: Schema<A>, item: Schema<T>, result: Schema<R>): SinkDefinition<A, T, R> {
  checkName(name)
  checkSchema(args, 'args', name)
  checkSchema(item, 'item', name)
  checkSchema(result, 'result', name)
  return Object.freeze({ shape: 'sink' as const, name, args, item, result })
}

/**
 * Declares a channel: items both ways, each direction with its own backpressure and its own end.
 * `input` is what the caller sends (the handler's `incoming`), `output` what the handler yields.
 * @example
 * export const room = channel('room', bp.string, bp.string, bp.string)
 * iface.on(room, async function* (name, incoming, ctx) { for await (const line of incoming) yield `${name}: ${line}` })
 * for await (const line of peer.channel(room, 'lobby', lines)) console.log(line)
 */
export function channel<A, I, O>(name: string, args: Schema<A>, input: Schema<I>, output: Schema<O>): ChannelDefinition<A, I, O> {
  checkName(name)
  checkSchema(args, 'args', name)
  checkSchema(input, 'input', name)
  checkSchema(output, 'output', name)
  return Object.freeze({ shape: 'channel' as const, name, args, input, output })
}
