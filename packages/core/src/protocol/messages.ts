import { BipackReader, type BipackWriter, smartintSize } from '@kp/bipack'
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
/** OPEN (PROTOCOL.md 14): `flags` says which directions carry items; `credit` is for the callee's items. */
export function writeOpen(w: BipackWriter, id: number, flags: number, command: string, credit: number, args: Uint8Array): void {
  w.unsigned(Kind.Open).unsigned(id).u8(flags).string(command).unsigned(credit).bytes(args)
}
/** ITEM; `ref` is the stream reference of PROTOCOL.md 14 (id and which side opened it). */
export function writeItem(w: BipackWriter, ref: number, item: Uint8Array): void {
  w.unsigned(Kind.Item).unsigned(ref).bytes(item)
}
/** ITEM whose item is a bipack `bytes` value, written without encoding it apart first. */
export function writeBytesItem(w: BipackWriter, ref: number, value: Uint8Array): void {
  w.unsigned(Kind.Item)
    .unsigned(ref)
    .unsigned(smartintSize(value.length) + value.length)
    .bytes(value)
}
export function writeCredit(w: BipackWriter, ref: number, n: number): void {
  w.unsigned(Kind.Credit).unsigned(ref).unsigned(n)
}
export function writeEnd(w: BipackWriter, ref: number, value: Uint8Array): void {
  w.unsigned(Kind.End).unsigned(ref).bytes(value)
}
export function writeFail(w: BipackWriter, ref: number, code: string, message: string, data: Uint8Array): void {
  w.unsigned(Kind.Fail).unsigned(ref).string(code).string(message).bytes(data)
}
export function writeStop(w: BipackWriter, ref: number): void {
  w.unsigned(Kind.Stop).unsigned(ref)
}

/** SESSION (PROTOCOL.md 15): the resume id of a resumable session and the server's window. */
export function writeSession(w: BipackWriter, resumeId: Uint8Array, windowMs: number): void {
  w.unsigned(Kind.Session).bytes(resumeId).unsigned(windowMs)
}
/** RESUME: the old session's id, the proof bound to this handshake, the segments received. */
export function writeResume(w: BipackWriter, resumeId: Uint8Array, proof: Uint8Array, received: number): void {
  w.unsigned(Kind.Resume).bytes(resumeId).bytes(proof).unsigned(received)
}
export function writeResumed(w: BipackWriter, received: number): void {
  w.unsigned(Kind.Resumed).unsigned(received)
}
export function writeRefused(w: BipackWriter, reason: string): void {
  w.unsigned(Kind.Refused).string(reason)
}
export function writeSeq(w: BipackWriter, n: number): void {
  w.unsigned(Kind.Seq).unsigned(n)
}
export function writeAck(w: BipackWriter, n: number): void {
  w.unsigned(Kind.Ack).unsigned(n)
}

/** The messages of resumable sessions (PROTOCOL.md 15); a sink without them treats them as unknown kinds. */
export interface ResumeSink {
  session(resumeId: Uint8Array, windowMs: number): void
  resume(resumeId: Uint8Array, proof: Uint8Array, received: number): void
  resumed(received: number): void
  refused(reason: string): void
  seq(n: number): void
  ack(n: number): void
}

/** Receives the messages of a record as they are decoded (no object per message). */
export interface MessageSink {
  /** Resumable sessions only. */
  resumption?: ResumeSink
  ready(info: ReadyInfo): void
  call(id: number, command: string, args: Uint8Array): void
  push(command: string, args: Uint8Array): void
  result(id: number, value: Uint8Array): void
  error(id: number, code: string, message: string, data: Uint8Array): void
  cancel(id: number): void
  ping(): void
  pong(): void
  close(reason: string): void
  open(id: number, flags: number, command: string, credit: number, args: Uint8Array): void
  item(ref: number, item: Uint8Array): void
  credit(ref: number, n: number): void
  end(ref: number, value: Uint8Array): void
  fail(ref: number, code: string, message: string, data: Uint8Array): void
  stop(ref: number): void
}

/** Stream messages ignored: for sinks that only care about calls (raw test peers). */
export const ignoreStreamMessages: Pick<MessageSink, 'open' | 'item' | 'credit' | 'end' | 'fail' | 'stop'> = {
  open() {},
  item() {},
  credit() {},
  end() {},
  fail() {},
  stop() {},
}

/**
 * Decodes every message of a record's plaintext, in order, handing each to `sink`.
 * An empty plaintext, an unknown kind, a message that ends early, or a message longer than
 * `maxMessage` bytes (the limit this side announced, enforced on receipt before the sink sees
 * it) is a `ProtocolError`. Byte fields are views into `plaintext`.
 */
export function readMessages(plaintext: Uint8Array, sink: MessageSink, maxMessage = Number.POSITIVE_INFINITY): void {
  if (plaintext.length === 0) throw new ProtocolError('record plaintext is empty')
  const r = new BipackReader(plaintext)
  const checkSize = plaintext.length > maxMessage
  while (r.remaining > 0) {
    let kind: number
    const start = r.offset
    try {
      kind = r.unsigned()
      switch (kind) {
        case Kind.Call: {
          const id = r.unsigned()
          const command = r.string()
          const args = r.bytes()
          if (checkSize) limit(r.offset - start, maxMessage)
          sink.call(id, command, args)
          continue
        }
        case Kind.Result: {
          const id = r.unsigned()
          const value = r.bytes()
          if (checkSize) limit(r.offset - start, maxMessage)
          sink.result(id, value)
          continue
        }
        case Kind.Push: {
          const command = r.string()
          const args = r.bytes()
          if (checkSize) limit(r.offset - start, maxMessage)
          sink.push(command, args)
          continue
        }
        case Kind.Error: {
          const id = r.unsigned()
          const code = r.string()
          const message = r.string()
          const data = r.bytes()
          if (checkSize) limit(r.offset - start, maxMessage)
          sink.error(id, code, message, data)
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
        case Kind.Close: {
          const reason = r.string()
          if (checkSize) limit(r.offset - start, maxMessage)
          sink.close(reason)
          continue
        }
        case Kind.Item: {
          const ref = r.unsigned()
          const item = r.bytes()
          if (checkSize) limit(r.offset - start, maxMessage)
          sink.item(ref, item)
          continue
        }
        case Kind.Credit: {
          const ref = r.unsigned()
          sink.credit(ref, r.unsigned())
          continue
        }
        case Kind.Open: {
          const id = r.unsigned()
          const flags = r.u8()
          const command = r.string()
          const credit = r.unsigned()
          const args = r.bytes()
          if (checkSize) limit(r.offset - start, maxMessage)
          sink.open(id, flags, command, credit, args)
          continue
        }
        case Kind.End: {
          const ref = r.unsigned()
          const value = r.bytes()
          if (checkSize) limit(r.offset - start, maxMessage)
          sink.end(ref, value)
          continue
        }
        case Kind.Fail: {
          const ref = r.unsigned()
          const code = r.string()
          const message = r.string()
          const data = r.bytes()
          if (checkSize) limit(r.offset - start, maxMessage)
          sink.fail(ref, code, message, data)
          continue
        }
        case Kind.Stop:
          sink.stop(r.unsigned())
          continue
        case Kind.Ready: {
          const maxMessage = r.unsigned()
          const pingIntervalMs = r.unsigned()
          sink.ready({ maxMessage, pingIntervalMs, idleTimeoutMs: r.unsigned() })
          continue
        }
        default:
          if (sink.resumption !== undefined && kind >= Kind.Session && kind <= Kind.Ack) {
            readResumeMessage(r, kind, sink.resumption)
            continue
          }
          throw new ProtocolError(`unknown message kind ${kind}`)
      }
    } catch (e) {
      if (ProtocolError.isInstance(e) || !isDecodeError(e)) throw e
      throw new ProtocolError(`message does not decode: ${(e as Error).message}`, { cause: e })
    }
  }
}

/** The messages of PROTOCOL.md 15 (each small: no size check beyond the record's). */
function readResumeMessage(r: BipackReader, kind: number, sink: ResumeSink): void {
  switch (kind) {
    case Kind.Session: {
      const id = r.bytes()
      return sink.session(id, r.unsigned())
    }
    case Kind.Resume: {
      const id = r.bytes()
      const proof = r.bytes()
      return sink.resume(id, proof, r.unsigned())
    }
    case Kind.Resumed:
      return sink.resumed(r.unsigned())
    case Kind.Refused:
      return sink.refused(r.string())
    case Kind.Seq:
      return sink.seq(r.unsigned())
    default:
      return sink.ack(r.unsigned())
  }
}

function limit(size: number, maxMessage: number): void {
  if (size > maxMessage) throw new ProtocolError(`a message of ${size} bytes exceeds the limit of ${maxMessage} bytes announced for this session`)
}

/** Only the reader's own errors become ProtocolErrors; a sink's exceptions pass through. */
function isDecodeError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'kp.Bipack'
}
