import { ErrorCode } from '../protocol/constants.js'
import { MessageTooLargeError } from '../errors/message-too-large-error.js'
import { itemSize } from '../protocol/message-size.js'
import { writeEnd, writeFail } from '../protocol/messages.js'
import type { Logger } from '../util/logger.js'
import { schemasOf } from './definitions.js'
import type { StreamHost } from './stream-host.js'
import type { StreamState } from './stream-state.js'

const EMPTY: Uint8Array = new Uint8Array(0)

/** The callee's answer to a sink: END with the result, or FAIL when it does not encode or fit. @internal */
export function sendResult(host: StreamHost<unknown>, s: StreamState, value: unknown, logger: Logger, peer: string): void {
  const name = s.def.name
  let encoded: Uint8Array
  try {
    encoded = host.encode(schemasOf(s.def).result!, value)
  } catch (e) {
    logger.warn?.(`result of '${name}' does not encode (peer ${peer}): ${(e as Error)?.stack ?? e}`)
    return sendFail(host, s.ref, ErrorCode.Internal, `result of '${name}' does not encode`, EMPTY)
  }
  const size = itemSize(s.ref, encoded.length)
  const limit = host.peerMaxMessage
  if (size > limit) {
    const tooLarge = new MessageTooLargeError(size, limit, `result of '${name}'`, 'return less, or raise maxMessage on the server')
    logger.warn?.(`${tooLarge.message} (peer ${peer})`)
    return sendFail(host, s.ref, ErrorCode.MessageTooLarge, tooLarge.message, EMPTY)
  }
  writeEnd(host.reserve(size), s.ref, encoded)
}

/** FAIL for `ref`, its text clipped; a FAIL over the peer's limit goes without its data. @internal */
export function sendFail(host: StreamHost<unknown>, ref: number, code: string, message: string, data: Uint8Array): void {
  const text = message.length > 1000 ? message.slice(0, 1000) : message
  let m = host.encodeWith((w) => writeFail(w, ref, code, text, data))
  if (m.length > host.peerMaxMessage) m = host.encodeWith((w) => writeFail(w, ref, code, 'error too large to send', EMPTY))
  host.append(m)
}

/** True for a promise or any thenable. @internal */
export function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as PromiseLike<unknown>).then === 'function'
}
