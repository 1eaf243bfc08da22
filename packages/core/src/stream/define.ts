import type { Schema } from '@kp/bipack'
import type { ChannelDefinition, SinkDefinition, StreamDefinition } from './definitions.js'
import { streamRuntime } from './stream-runtime.js'
import { provideStreams } from './stream-support.js'

// The factories of stream definitions. Each one loads the stream code (stream-runtime.ts) into
// the registry: a program that declares no stream never imports it.

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
  provideStreams(streamRuntime)
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
  provideStreams(streamRuntime)
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
  provideStreams(streamRuntime)
  checkName(name)
  checkSchema(args, 'args', name)
  checkSchema(input, 'input', name)
  checkSchema(output, 'output', name)
  return Object.freeze({ shape: 'channel' as const, name, args, input, output })
}
