import type { BipackReader, BipackWriter, Schema } from '@kp/bipack'
import type { Command } from '@kp/core'

/**
 * Bytes that are already the bipack encoding of a command's arguments or result, passed through
 * as they are: a node that delivers a push or a call for another node never decodes them.
 * @internal
 */
export const RAW: Schema<Uint8Array> = Object.freeze({
  kind: 'raw',
  minSize: 0,
  write(w: BipackWriter, v: Uint8Array) {
    w.fixed(v)
  },
  read(r: BipackReader) {
    return r.fixedCopy(r.remaining)
  },
  encode(v: Uint8Array) {
    return v
  },
  decode(b: Uint8Array) {
    return b.slice()
  },
})

/** A command of that name whose arguments and result are pre-encoded bytes. @internal */
export function rawCommand(name: string): Command<Uint8Array, Uint8Array> {
  return { name, args: RAW, result: RAW }
}
