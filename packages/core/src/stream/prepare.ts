import { Defaults } from '../protocol/constants.js'
import { integerOption } from '../util/options.js'
import { type AnyStreamDefinition, isStreamDefinition, type StreamShape } from './definitions.js'
import type { AnyIterator } from './sources.js'
import { describeDefinition } from './stream-support.js'

/** What opening a stream needs, checked and encoded on the caller's side. @internal */
export interface PreparedOpen {
  args: Uint8Array
  window: number
  signal: AbortSignal | undefined
}

/**
 * Checks what the application passed to `stream`, `sink` or `channel` (`TypeError` for a
 * definition of another shape or bad options, `RangeError` for a credit out of range) and
 * encodes the arguments (a copy: the stream may open later). @internal
 */
export function prepareOpen(definition: unknown, shape: StreamShape, args: unknown, options: unknown, defaultWindow: number): PreparedOpen {
  if (!isStreamDefinition(definition))
    throw new TypeError(`"definition" expected a ${shape} definition (made by ${shape}()), got ${describeDefinition(definition)}`)
  if (definition.shape !== shape) throw new TypeError(`"definition" '${definition.name}' is a ${definition.shape}: use peer.${definition.shape}() to open it`)
  if (options !== undefined && (options === null || typeof options !== 'object')) throw new TypeError('"options" expected an object')
  const o = (options ?? {}) as { signal?: unknown; credit?: unknown }
  if (o.signal !== undefined && !isSignal(o.signal)) throw new TypeError('"options.signal" expected an AbortSignal')
  const window = integerOption('options.credit', o.credit, defaultWindow, 1, Defaults.maxCredit)
  return { args: (definition as AnyStreamDefinition).args.encode(args), window, signal: o.signal as AbortSignal | undefined }
}

/** Finishes an iterator that will not be read after all (a ReadableStream is unlocked). @internal */
export function closeQuietly(it: AnyIterator<unknown>): void {
  try {
    const r = it.return?.()
    if (r && typeof (r as PromiseLike<unknown>).then === 'function') (r as PromiseLike<unknown>).then(undefined, () => {})
  } catch {
    // the source's own failure: nobody reads it any more
  }
}

function isSignal(s: unknown): s is AbortSignal {
  return typeof s === 'object' && s !== null && typeof (s as AbortSignal).addEventListener === 'function' && typeof (s as AbortSignal).aborted === 'boolean'
}
