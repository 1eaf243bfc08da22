import type { BipackWriter } from '@kp/bipack'
import { writeError } from '../protocol/messages.js'
import type { Outbox } from './outbox.js'

const EMPTY: Uint8Array = new Uint8Array(0)

/** What {@link sendClipped} writes through. @internal */
export interface ErrorOutbox extends Outbox {
  /** Writes into the session's scratch writer; the view is valid until the next encode. */
  encodeWith(write: (w: BipackWriter) => void): Uint8Array
}

/**
 * Appends one ERROR or FAIL that `write` writes, its text clipped to 1000 characters; one over
 * the peer's limit goes again with a short text and without its data. @internal
 */
export function sendClipped(host: ErrorOutbox, write: (w: BipackWriter, text: string, data: Uint8Array) => void, message: string, data: Uint8Array): void {
  const text = message.length > 1000 ? message.slice(0, 1000) : message
  let m = host.encodeWith((w) => write(w, text, data))
  if (m.length > host.peerMaxMessage) m = host.encodeWith((w) => write(w, 'error too large to send', EMPTY))
  host.append(m)
}

/** ERROR for call `id` ({@link sendClipped}). @internal */
export function sendCallError(host: ErrorOutbox, id: number, code: string, message: string, data: Uint8Array): void {
  sendClipped(host, (w, text, d) => writeError(w, id, code, text, d), message, data)
}
