import { absentTail, type BipackWriter, type Schema } from '@kp/bipack'

/**
 * Writes a command's arguments, result or error data into `w` and returns the view to send:
 * without the absent optional fields at the end of a top-level struct, so a peer whose schema
 * does not have them yet reads exactly its own bytes (PROTOCOL.md 6, API evolution). The view is
 * valid until `w` is written again. @internal
 */
export function writeValue<T>(w: BipackWriter, schema: Schema<T>, value: T): Uint8Array {
  w.reset()
  schema.write(w, value)
  const view = w.view()
  const tail = absentTail(schema, value)
  return tail === 0 ? view : view.subarray(0, view.length - tail)
}

/** {@link writeValue} into fresh bytes. @internal */
export function encodeValue<T>(schema: Schema<T>, value: T): Uint8Array {
  const bytes = schema.encode(value)
  const tail = absentTail(schema, value)
  return tail === 0 ? bytes : bytes.subarray(0, bytes.length - tail)
}
