/** The Kiloparsec interface every kp-* system serves: a string echo and a bytes echo. */
import { bp, command, type KiloClient, KiloInterface } from '@kp/core'
import type { Conn } from '../types.js'

export const cmdEcho = command('echo', bp.string, bp.string)
export const cmdEchoBytes = command('echoBytes', bp.bytes, bp.bytes)

/** The server side: both commands answer with their argument. */
export const echoApi = () =>
  new KiloInterface()
    .on(cmdEcho, (s) => s)
    .on(cmdEchoBytes, (b) => b)

/**
 * A KiloClient as a benchmark {@link Conn}. It does not wait for `ready()`: the way the library is
 * used, the first call is made at once and, on reliable transports, goes out right behind FINISH
 * (PROTOCOL.md 4.5); a failed handshake fails that first call.
 */
export async function kpConn(client: KiloClient): Promise<Conn> {
  return {
    echo: (s) => client.call(cmdEcho, s),
    echoBytes: (b) => client.call(cmdEchoBytes, b),
    close: () => client.close(),
  }
}
