import { bp, command, sink, stream } from '@kp/core'

/** Commands of the browser test, imported by the page (bundled) and by the Node test server. */
export const api = {
  add: command('add', bp.struct({ a: bp.int, b: bp.int }), bp.int),
  echoBytes: command('echoBytes', bp.bytes, bp.bytes),
  /** Server → client: the server calls the browser's `shout` and returns what it answered. */
  askBack: command('askBack', bp.string, bp.string),
  /** Answered by the browser. */
  shout: command('shout', bp.string, bp.string),
  /** The session token as the server sees it (hex). */
  serverToken: command('serverToken', bp.unit, bp.string),
  /** A stream of `n` numbers from the server (0: endless, until the reader stops). */
  numbers: stream('numbers', bp.u32, bp.u32),
  /** A sink: the browser uploads bytes, the server answers with the total. */
  upload: sink('upload', bp.string, bp.bytes, bp.u64),
}
