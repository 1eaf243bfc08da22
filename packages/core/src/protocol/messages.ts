import { BipackReader, type BipackWriter } from '@kp/bipack'
import { ProtocolError } from '../errors/protocol-error.js'
import { Kind } from './constants.js'

/** READY body (PROTOCOL.md 6). */
export interface ReadyInfo {
  maxMessage: number
  pingIntervalMs: number
  idleTimeoutMs: number
}

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

/** Receives the messages of a record as they are decoded (no object per message). */
export interface MessageSink {
  ready(info: ReadyInfo): void
  call(id: number, command: string, args: Uint8Array): void
  push(command: string, args: Uint8Array): void
  result(id: number, value: Uint8Array): void
  error(id: number, code: string, message: string, data: Uint8Array): void
  cancel(id: number): void
  ping(): void
  pong(): void
  close(reason: string): void
}

/**
 * Decodes every message of a record's plaintext, in order, handing each to `sink`.
 * An empty plaintext, an unknown kind or a message that ends early is a `ProtocolError`.
 * Byte fields are views into `plaintext`.
 */
export function readMessages(plaintext: Uint8Array, sink: MessageSink): void {
  if (plaintext.length === 0) throw new ProtocolError('record plaintext is empty')
  const r = new BipackReader(plaintext)
  while (r.remaining > 0) {
    let kind: number
    try {
      kind = r.unsigned()
      switch (kind) {
        case Kind.Call: {
          const id = r.unsigned()
          const command = r.string()
          sink.call(id, command, r.bytes())
          continue
        }
        case Kind.Result: {
          const id = r.unsigned()
          sink.result(id, r.bytes())
          continue
        }
        case Kind.Push: {
          const command = r.string()
          sink.push(command, r.bytes())
          continue
        }
        case Kind.Error: {
          const id = r.unsigned()
          const code = r.string()
          const message = r.string()
          sink.error(id, code, message, r.bytes())
          continue
        }
        case Kind.Cancel:
          sink.cancel(r.unsigned())
          continue
        case Kind.Ping:
          sink.ping()
          continue
        case Kind.Pong:
          sink.pong()
          continue
        case Kind.Close:
          sink.close(r.string())
          continue
        case Kind.Ready: {
          const maxMessage = r.unsigned()
          const pingIntervalMs = r.unsigned()
          sink.ready({ maxMessage, pingIntervalMs, idleTimeoutMs: r.unsigned() })
          continue
        }
        default:
          throw new ProtocolError(`unknown message kind ${kind}`)
      }
    } catch (e) {
      if (ProtocolError.isInstance(e) || !isDecodeError(e)) throw e
      throw new ProtocolError(`message does not decode: ${(e as Error).message}`, { cause: e })
    }
  }
}

/** Only the reader's own errors become ProtocolErrors; a sink's exceptions pass through. */
function isDecodeError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'kp.Bipack'
}
