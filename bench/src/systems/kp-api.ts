/** The Kiloparsec interface every kp-* system serves: a string echo, a bytes echo and a stream of items. */
import { bp, command, type KiloClient, KiloInterface, stream } from '@kp/core'
import type { Conn } from '../types.js'

export const cmdEcho = command('echo', bp.string, bp.string)
export const cmdEchoBytes = command('echoBytes', bp.bytes, bp.bytes)
/** `count` items of `size` bytes (0: endless, until the reader stops). */
export const streamItems = stream('items', bp.struct({ count: bp.uint, size: bp.uint }), bp.bytes)

/** The server side: both commands answer with their argument; the stream yields one buffer again and again. */
export const echoApi = () =>
  new KiloInterface()
    .on(cmdEcho, (s) => s)
    .on(cmdEchoBytes, (b) => b)
    .on(streamItems, async function* ({ count, size }) {
      const item = new Uint8Array(size).fill(7)
      for (let i = 0; count === 0 || i < count; i++) yield item
    })

/**
 * A KiloClient as a benchmark {@link Conn}. It does not wait for `ready()`: the way the library is
 * used, the first call is made at once and, on reliable transports, goes out right behind FINISH
 * (PROTOCOL.md 4.5); a failed handshake fails that first call. Streams use the default credit.
 */
export async function kpConn(client: KiloClient): Promise<Conn> {
  return {
    echo: (s) => client.call(cmdEcho, s),
    echoBytes: (b) => client.call(cmdEchoBytes, b),
    close: () => client.close(),
    async stream(count, size, each, signal) {
      let n = 0
      try {
        for await (const item of client.stream(streamItems, { count, size }, signal ? { signal } : undefined)) {
          n++
          if (each) {
            const r = each(item)
            if (r) await r
          }
        }
      } catch (e) {
        if (!signal?.aborted) throw e
      }
      return n
    },
  }
}
