import { ProtocolError } from '../errors/protocol-error.js'
import { Defaults } from '../protocol/constants.js'
import { writeStop } from '../protocol/messages.js'
import { CALLEE_SENDS, OPENER_SENDS, shapeOf, type StreamShape } from './definitions.js'
import type { StreamHost } from './stream-host.js'
import { sendFail } from './stream-replies.js'

const EMPTY: Uint8Array = new Uint8Array(0)

/**
 * The checks every OPEN from the peer passes before anything else (PROTOCOL.md 14): ids grow,
 * the flags name a shape, credit only for items the opener will receive and within the cap.
 * Returns the shape; a hostile OPEN throws `ProtocolError` (the link closes). @internal
 */
export function checkOpen(id: number, lastTheirs: number, flags: number, name: string, credit: number): StreamShape {
  if (id <= lastTheirs) throw new ProtocolError(`OPEN with stream id ${id}, not above the last one opened (${lastTheirs})`)
  const shape = shapeOf(flags)
  if (shape === null) throw new ProtocolError(`OPEN of '${name}' with flags ${flags}`)
  if ((flags & CALLEE_SENDS) === 0 && credit !== 0) throw new ProtocolError(`OPEN of sink '${name}' grants credit for items it will not receive`)
  if (credit > Defaults.maxCredit) throw new ProtocolError(`OPEN of '${name}' grants ${credit} items of credit, more than ${Defaults.maxCredit}`)
  return shape
}

/** Refuses the peer's stream `id`: STOP when the opener sends items, then FAIL with `code`. @internal */
export function refuseOpen(host: StreamHost<unknown>, id: number, flags: number, code: string, message: string): void {
  const ref = id * 2 + 1
  if (flags & OPENER_SENDS) writeStop(host.reserve(11), ref)
  sendFail(host, ref, code, message, EMPTY)
}

/**
 * The checks of a stream message (ITEM, CREDIT, END, FAIL, STOP) whose stream is not open:
 * silently dropped when the stream existed and ended (messages cross), `ProtocolError` when it
 * never existed. `ref` is even for the peer's streams, odd for ours. @internal
 */
export function checkEnded(ref: number, kind: string, lastTheirs: number, lastMine: number): void {
  const id = Math.floor(ref / 2)
  if (ref % 2 === 0) {
    if (id === 0 || id > lastTheirs) throw new ProtocolError(`${kind} for stream ${id}, which the peer never opened`)
  } else if (id === 0 || id > lastMine) throw new ProtocolError(`${kind} for stream ${id}, which this side never opened`)
}
