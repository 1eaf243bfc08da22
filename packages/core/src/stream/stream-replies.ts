import { ErrorCode } from '../protocol/constants.js'
import { MessageTooLargeError } from '../errors/message-too-large-error.js'
import { itemSize } from '../protocol/message-size.js'
import { writeEnd, writeFail } from '../protocol/messages.js'
import { sendClipped } from '../rpc/send-error.js'
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

/** FAIL for `ref` ({@link sendClipped}). @internal */
export function sendFail(host: StreamHost<unknown>, ref: number, code: string, message: string, data: Uint8Array): void {
  sendClipped(host, (w, text, d) => writeFail(w, ref, code, text, d), message, data)
}
