import { BipackReader, type BipackWriter } from '@kp/bipack'
import { ProtocolError } from '../errors/protocol-error.js'
import { Kind } from './constants.js'

/** READY body (PROTOCOL.md 6). */
export interface ReadyInfo {
  maxMessage: number
  pingIntervalMs: number
  idleTimeoutMs: number
}

/** One decoded message of a record's plaintext. `args`/`value`/`data` are views into the plaintext. */
export type Message =
  | { kind: typeof Kind.Ready; ready: ReadyInfo }
  | { kind: typeof Kind.Call; id: number; command: string; args: Uint8Array }
  | { kind: typeof Kind.Push; command: string; args: Uint8Array }
  | { kind: typeof Kind.Result; id: number; value: Uint8Array }
  | { kind: typeof Kind.Error; id: number; code: string; message: string; data: Uint8Array }
  | { kind: typeof Kind.Cancel; id: number }
  | { kind: typeof Kind.Ping }
  | { kind: typeof Kind.Pong }
  | { kind: typeof Kind.Close; reason: string }

export function writeReady(w: BipackWriter, r: ReadyInfo): void {
  w.unsigned(Kind.Ready).unsigned(r.maxMessage).unsigned(r.pingIntervalMs).unsigned(r.idleTimeoutMs)
}
export function writeCall(w: BipackWriter, id: number, command: string, args: Uint8Array): void {
  w.unsigned(Kind.Call).unsigned(id).string(command).bytes(args)
}
export function writePush(w: BipackWriter, command: string, args: Uint8Array): void {
  w.unsigned(Kind.Push).string(command).bytes(args)
}
export function writeResult(w: BipackWriter, id: number, value: Uint8Array): void {
  w.unsigned(Kind.Result).unsigned(id).bytes(value)
}
export function writeError(w: BipackWriter, id: number, code: string, message: string, data: Uint8Array): void {
  w.unsigned(Kind.Error).unsigned(id).string(code).string(message).bytes(data)
}
export function writeCancel(w: BipackWriter, id: number): void {
  w.unsigned(Kind.Cancel).unsigned(id)
}
export function writePing(w: BipackWriter): void {
  w.unsigned(Kind.Ping)
}
export function writePong(w: BipackWriter): void {
  w.unsigned(Kind.Pong)
}
export function writeClose(w: BipackWriter, reason: string): void {
  w.unsigned(Kind.Close).string(reason)
}

/**
 * Decodes every message of a record's plaintext, in order, calling `onMessage` for each.
 * An empty plaintext, an unknown kind or a message that ends early is a `ProtocolError`.
 */
export function readMessages(plaintext: Uint8Array, onMessage: (m: Message) => void): void {
  if (plaintext.length === 0) throw new ProtocolError('record plaintext is empty')
  const r = new BipackReader(plaintext)
  while (r.remaining > 0) {
    let m: Message
    try {
      m = readOne(r)
    } catch (e) {
      if (ProtocolError.isInstance(e)) throw e
      throw new ProtocolError(`message does not decode: ${(e as Error).message}`, { cause: e })
    }
    onMessage(m)
  }
}

function readOne(r: BipackReader): Message {
  const kind = r.unsigned()
  switch (kind) {
    case Kind.Ready:
      return { kind, ready: { maxMessage: r.unsigned(), pingIntervalMs: r.unsigned(), idleTimeoutMs: r.unsigned() } }
    case Kind.Call:
      return { kind, id: r.unsigned(), command: r.string(), args: r.bytes() }
    case Kind.Push:
      return { kind, command: r.string(), args: r.bytes() }
    case Kind.Result:
      return { kind, id: r.unsigned(), value: r.bytes() }
    case Kind.Error:
      return { kind, id: r.unsigned(), code: r.string(), message: r.string(), data: r.bytes() }
    case Kind.Cancel:
      return { kind, id: r.unsigned() }
    case Kind.Ping:
    case Kind.Pong:
      return { kind }
    case Kind.Close:
      return { kind, reason: r.string() }
    default:
      throw new ProtocolError(`unknown message kind ${kind}`)
  }
}
