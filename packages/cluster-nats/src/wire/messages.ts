import { BipackReader, type BipackWriter } from '@kp/bipack'

/** Message types on the bus (the first byte of a frame's body). @internal */
export const T = {
  /** presence subject: I am alive; my presence sequence number and entry count */
  Heartbeat: 1,
  /** presence subject: I just joined (or came back): send me your entries */
  Hello: 2,
  /** presence subject: I am leaving: forget my entries */
  Bye: 3,
  /** presence subject: entries I gained and lost, numbered */
  Delta: 4,
  /** node subject: all my entries, in parts */
  Snapshot: 5,
  /** node subject: send me a snapshot */
  Sync: 6,
  /** node subject: push to your sessions of this target */
  Push: 7,
  /** node subject: call your session of this target, answer me */
  Call: 8,
  /** node subject: the answer to a Call */
  Result: 9,
  /** node subject: the error answer to a Call */
  Error: 10,
  /** node subject: the caller gave up on a Call */
  Cancel: 11,
  /** topic subject: push to your members of this topic */
  Topic: 12,
} as const

/** A decoded message. @internal */
export type Message =
  | { t: typeof T.Heartbeat | typeof T.Hello; name: string; seq: number; count: number }
  | { t: typeof T.Bye }
  | { t: typeof T.Delta; seq: number; adds: string[]; removes: string[] }
  | { t: typeof T.Snapshot; name: string; seq: number; snap: number; part: number; last: boolean; keys: string[] }
  | { t: typeof T.Sync }
  | { t: typeof T.Push; target: string; name: string; args: Uint8Array }
  | { t: typeof T.Call; id: number; target: string; name: string; args: Uint8Array; timeoutMs: number }
  | { t: typeof T.Result; id: number; value: Uint8Array }
  | { t: typeof T.Error; id: number; code: string; message: string; data: Uint8Array }
  | { t: typeof T.Cancel; id: number }
  | { t: typeof T.Topic; topic: string; name: string; args: Uint8Array }

/** Longest target key or topic accepted from the bus (characters). @internal */
export const MAX_KEY_LENGTH = 512

/** Writes one message body. @internal */
export function writeMessage(w: BipackWriter, m: Message): void {
  w.u8(m.t)
  switch (m.t) {
    case T.Heartbeat:
    case T.Hello:
      w.string(m.name).unsigned(m.seq).unsigned(m.count)
      return
    case T.Bye:
    case T.Sync:
      return
    case T.Delta:
      w.unsigned(m.seq)
      writeKeys(w, m.adds)
      writeKeys(w, m.removes)
      return
    case T.Snapshot:
      w.string(m.name).unsigned(m.seq).unsigned(m.snap).unsigned(m.part).bool(m.last)
      writeKeys(w, m.keys)
      return
    case T.Push:
      w.string(m.target).string(m.name).bytes(m.args)
      return
    case T.Call:
      w.unsigned(m.id).string(m.target).string(m.name).bytes(m.args).unsigned(m.timeoutMs)
      return
    case T.Result:
      w.unsigned(m.id).bytes(m.value)
      return
    case T.Error:
      w.unsigned(m.id).string(m.code).string(m.message).bytes(m.data)
      return
    case T.Cancel:
      w.unsigned(m.id)
      return
    case T.Topic:
      w.string(m.topic).string(m.name).bytes(m.args)
      return
  }
}

function writeKeys(w: BipackWriter, keys: readonly string[]): void {
  w.unsigned(keys.length)
  for (const k of keys) w.string(k)
}

function readKey(r: BipackReader): string {
  const k = r.string()
  if (k.length === 0 || k.length > MAX_KEY_LENGTH) throw new RangeError(`key of ${k.length} characters`)
  return k
}

function readKeys(r: BipackReader): string[] {
  const n = r.unsigned()
  // every key takes at least 2 bytes: a count beyond that is a lie, refused before allocating
  if (n > r.remaining / 2) throw new RangeError(`${n} keys in ${r.remaining} bytes`)
  const keys = new Array<string>(n)
  for (let i = 0; i < n; i++) keys[i] = readKey(r)
  return keys
}

/**
 * Decodes one message body; throws (BipackError, RangeError) on anything malformed, including
 * trailing bytes. Byte fields are views into `body`. @internal
 */
export function readMessage(body: Uint8Array): Message {
  const r = new BipackReader(body)
  const t = r.u8()
  let m: Message
  switch (t) {
    case T.Heartbeat:
    case T.Hello:
      m = { t, name: r.string(), seq: r.unsigned(), count: r.unsigned() }
      break
    case T.Bye:
    case T.Sync:
      m = { t }
      break
    case T.Delta:
      m = { t, seq: r.unsigned(), adds: readKeys(r), removes: readKeys(r) }
      break
    case T.Snapshot:
      m = { t, name: r.string(), seq: r.unsigned(), snap: r.unsigned(), part: r.unsigned(), last: r.bool(), keys: readKeys(r) }
      break
    case T.Push:
      m = { t, target: readKey(r), name: r.string(), args: r.bytes() }
      break
    case T.Call:
      m = { t, id: r.unsigned(), target: readKey(r), name: r.string(), args: r.bytes(), timeoutMs: r.unsigned() }
      break
    case T.Result:
      m = { t, id: r.unsigned(), value: r.bytes() }
      break
    case T.Error:
      m = { t, id: r.unsigned(), code: r.string(), message: r.string(), data: r.bytes() }
      break
    case T.Cancel:
      m = { t, id: r.unsigned() }
      break
    case T.Topic:
      m = { t, topic: readKey(r), name: r.string(), args: r.bytes() }
      break
    default:
      throw new RangeError(`unknown message type ${t}`)
  }
  r.expectEnd()
  return m
}

/** Bytes a key or string takes in a body (upper bound: length prefix + 3 bytes per UTF-16 unit). @internal */
export function stringBound(s: string): number {
  return 4 + 3 * s.length
}
