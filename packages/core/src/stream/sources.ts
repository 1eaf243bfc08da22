/** A pull-based iterator over what a producer sends: async or sync. @internal */
export type AnyIterator<T> = AsyncIterator<T> | Iterator<T>

/**
 * The iterator of a stream source: an AsyncIterable, an Iterable or a ReadableStream (read
 * with a reader, so it works where ReadableStream is not async-iterable). Throws `TypeError`
 * for anything else, naming `what`. @internal
 */
export function iteratorOf<T>(source: unknown, what: string): AnyIterator<T> {
  if (source !== null && typeof source === 'object') {
    const s = source as Partial<AsyncIterable<T> & Iterable<T> & ReadableStream<T>>
    if (typeof s.getReader === 'function') return readerIterator(s.getReader() as ReadableStreamDefaultReader<T>)
    const asyncIt = s[Symbol.asyncIterator]
    if (typeof asyncIt === 'function') return asyncIt.call(s)
    const syncIt = s[Symbol.iterator]
    if (typeof syncIt === 'function') return syncIt.call(s)
  }
  throw new TypeError(`${what} expected an AsyncIterable, an Iterable or a ReadableStream, got ${source === null ? 'null' : typeof source}`)
}

function readerIterator<T>(reader: ReadableStreamDefaultReader<T>): AsyncIterator<T> {
  return {
    next: () => reader.read() as Promise<IteratorResult<T>>,
    return: async () => {
      await reader.cancel()
      return { done: true, value: undefined }
    },
  }
}
