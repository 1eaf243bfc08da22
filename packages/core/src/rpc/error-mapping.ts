import { KiloError } from '../errors/kilo-error.js'
import { RemoteError } from '../errors/remote-error.js'
import { ErrorCode } from '../protocol/constants.js'
import type { Logger } from '../util/logger.js'
import { encodeValue } from './encode-value.js'
import { ApplicationError, type ApplicationErrorClass, type ErrorRegistry } from './application-error.js'

const EMPTY: Uint8Array = new Uint8Array(0)

/** An ERROR message's fields. @internal */
export interface WireError {
  code: string
  message: string
  data: Uint8Array
}

/**
 * Maps what a handler threw to the fields of an ERROR message (PROTOCOL.md 6.1): a registered
 * application error keeps its code and payload, a nested call's RemoteError passes through,
 * a library error keeps its `kp.` code, anything else is `kp.Internal`. Stacks never cross.
 * @internal
 */
export function errorToWire(error: unknown, command: string, peer: string, logger: Logger): WireError {
  if (ApplicationError.isInstance(error)) {
    // the error's own class knows its payload schema, whichever registry it was defined in
    const schema = (error.constructor as Partial<ApplicationErrorClass<unknown>>).dataSchema
    let data = EMPTY
    if (schema) {
      try {
        data = encodeValue(schema, error.data)
      } catch (e) {
        logger.warn?.(`data of error '${error.code}' does not encode: ${(e as Error).message}`)
      }
    }
    return { code: error.code, message: error.message, data }
  }
  if (RemoteError.isInstance(error)) {
    // An application error from a nested call passes through with its code. A library error of
    // the nested call (its peer lacked the command, was busy...) must not pass for this side's
    // own: the caller learns that the handler's call to its peer failed (PROTOCOL.md 6.1).
    if (!error.code.startsWith('kp.')) return { code: error.code, message: error.message, data: error.data }
    // the nested peer chose that code and message: clipped and stripped of control characters
    const nested = `${clip(error.code, 64)}: ${clip(error.message, 300)}`
    logger.warn?.(`handler of '${clip(command, 64)}' (peer ${peer}): its own call to its peer failed: ${nested}`)
    return { code: ErrorCode.NestedCall, message: `the handler of '${command}' called its peer, and that call failed: ${nested}`, data: EMPTY }
  }
  logger.warn?.(`handler of '${command}' failed (peer ${peer}): ${(error as Error)?.stack ?? String(error)}`)
  const code = KiloError.isInstance(error) ? error.code : ErrorCode.Internal
  const message = KiloError.isInstance(error) ? error.message : `internal error in handler of '${command}'`
  return { code: code.startsWith('kp.') ? code : ErrorCode.Internal, message, data: EMPTY }
}

/** Peer-chosen text for a log line or a message: at most `max` characters, no control characters. @internal */
export function clip(text: string, max: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, ' ')
  return clean.length > max ? `${clean.slice(0, max)}… (${clean.length} characters)` : clean
}

/**
 * The error a caller sees for an ERROR message: an instance of the registered application error
 * class for its code (with the decoded payload), else a `RemoteError`. @internal
 */
export function wireToError(code: string, message: string, data: Uint8Array, registry: ErrorRegistry): Error {
  const cls = code.startsWith('kp.') ? undefined : registry.get(code)
  if (cls) {
    try {
      const payload = cls.dataSchema ? cls.dataSchema.decode(data) : undefined
      return new (cls as new (m: string, d: unknown) => Error)(message, payload)
    } catch {
      // payload does not decode: fall through to RemoteError
    }
  }
  return new RemoteError(code, message, data.slice())
}
