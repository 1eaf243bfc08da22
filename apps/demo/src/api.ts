/**
 * The demo's API, shared by the server, the CLI client and the browser page — the TypeScript
 * form of the Kotlin library's sample (`cmdSetFoo`, `cmdGetFoo`, `cmdPing`, `cmdCheckConnected`,
 * `cmdPushClient`) plus a small chat that shows the server pushing to every client, whatever
 * transport each one came in on.
 *
 * Browser-safe: imports only `@kp/core`.
 */
import { bp, command, defineError, sink, stream } from '@kp/core'

/** The transports the demo server listens on. */
export const TRANSPORTS = ['tcp', 'udp', 'ws'] as const
/** One of {@link TRANSPORTS}. */
export type TransportName = (typeof TRANSPORTS)[number]

/** The per-session value of the Kotlin sample. */
export const Foo = bp.struct({ text: bp.string, number: bp.int })
/** A {@link Foo} value. */
export type Foo = bp.Infer<typeof Foo>

/** What the server knows about the caller's connection (answer of {@link cmdCheckConnected}). */
export const ConnectionInfo = bp.struct({
  /** The transport this session came in on. */
  transport: bp.enumOf(TRANSPORTS),
  /** The caller's address as the server sees it. */
  remoteAddress: bp.string,
  /** The caller's chat nickname, if it joined. */
  nick: bp.optional(bp.string),
  /** Sessions connected right now, over all transports. */
  online: bp.int,
  /** Server time. */
  serverTime: bp.date,
})
/** A {@link ConnectionInfo} value. */
export type ConnectionInfo = bp.Infer<typeof ConnectionInfo>

/** A chat message as the server pushes it to every connected client. */
export const ChatMessage = bp.struct({
  /** The sender's nickname. */
  nick: bp.string,
  /** The transport the sender is connected over. */
  transport: bp.enumOf(TRANSPORTS),
  text: bp.string,
  /** When the server received it. */
  time: bp.date,
  /** The cluster node the sender is connected to (cluster mode only). */
  node: bp.optional(bp.string),
})
/** A {@link ChatMessage} value. */
export type ChatMessage = bp.Infer<typeof ChatMessage>

/** Answer of {@link cmdChatJoin}. */
export const ChatWelcome = bp.struct({
  /** The nickname the server took (trimmed). */
  nick: bp.string,
  /** Sessions connected right now, over all transports (each receives every message). */
  online: bp.int,
})
/** A {@link ChatWelcome} value. */
export type ChatWelcome = bp.Infer<typeof ChatWelcome>

/** One item of the live feed (answer of {@link feed}). */
export const FeedItem = bp.struct({
  /** 1, 2, 3... since the subscription started. */
  n: bp.int,
  /** Server time. */
  time: bp.date,
  /** Sessions connected right now, over all transports. */
  online: bp.int,
})
/** A {@link FeedItem} value. */
export type FeedItem = bp.Infer<typeof FeedItem>

/** What an upload is (the argument of {@link upload}). */
export const UploadInfo = bp.struct({ name: bp.string, size: bp.int })
/** A {@link UploadInfo} value. */
export type UploadInfo = bp.Infer<typeof UploadInfo>

/** What the server received (the result of {@link upload}). */
export const UploadReceipt = bp.struct({
  name: bp.string,
  /** Bytes received. */
  bytes: bp.int,
  /** Items (chunks) they came in. */
  items: bp.int,
  /** Adler-32 of the bytes, hex: compare it with {@link adler32} of the file. */
  adler32: bp.string,
})
/** A {@link UploadReceipt} value. */
export type UploadReceipt = bp.Infer<typeof UploadReceipt>

// ---- client → server ----

/** Stores `foo` in this session (it lives as long as the connection). */
export const cmdSetFoo = command('setFoo', Foo, bp.unit)
/** Reads this session's `foo`; fails with {@link NotFoundError} before `setFoo`. */
export const cmdGetFoo = command('getFoo', bp.unit, Foo)
/** Answers `"pong: <text>"`, after calling the client back with {@link cmdPushClient}. */
export const cmdPing = command('ping', bp.string, bp.string)
/** Describes the caller's connection as the server sees it. */
export const cmdCheckConnected = command('checkConnected', bp.unit, ConnectionInfo)
/** Sets this session's chat nickname. */
export const cmdChatJoin = command('chatJoin', bp.string, ChatWelcome)
/** Sends a chat message: the server pushes it (as {@link cmdChatMessage}) to every connected client. */
export const cmdChatSend = command('chatSend', bp.string, bp.unit)
/**
 * A live feed (a stream): one {@link FeedItem} every `intervalMs` (100..10 000) for as long as
 * the subscriber reads; stopping (break, abort) ends the server's generator at once.
 */
export const feed = stream('feed', bp.u32, FeedItem)
/**
 * An upload (a sink): the client sends the file's bytes as they are read (credit-based, so at
 * the pace the server reads them), the server answers once with a {@link UploadReceipt}.
 */
export const upload = sink('upload', UploadInfo, bp.bytes, UploadReceipt)

// ---- server → client ----

/** A text the server pushes to one client (here: on every ping). */
export const cmdPushClient = command('pushClient', bp.string, bp.unit)
/** A chat message, pushed to every connected client on every transport. */
export const cmdChatMessage = command('chatMessage', ChatMessage, bp.unit)

// ---- errors ----

/** Thrown by `getFoo` before `setFoo`; re-created as this class on the caller's side. */
export const NotFoundError = defineError('NotFound')
/** A bad argument (empty nickname, text too long...). */
export const InvalidArgumentError = defineError('InvalidArgument')

/** Longest nickname accepted. */
export const MAX_NICK = 32
/** Longest chat message accepted. */
export const MAX_CHAT_TEXT = 2_000
/** Largest upload accepted, bytes. */
export const MAX_UPLOAD = 256 * 1024 * 1024

/** Adler-32 (RFC 1950), running: pass the previous value to continue over the next chunk. */
export function adler32(bytes: Uint8Array, previous = 1): number {
  let a = previous & 0xffff
  let b = previous >>> 16
  for (let i = 0; i < bytes.length; ) {
    const end = Math.min(bytes.length, i + 3800) // sums stay exact below 2^31 between reductions
    for (; i < end; i++) {
      a += bytes[i]!
      b += a
    }
    a %= 65521
    b %= 65521
  }
  return ((b << 16) | a) >>> 0
}

/**
 * A short form of a session token for people to compare (client and server print it):
 * the first 8 bytes as four dash-separated groups of 4 hex digits, e.g. `3f2a-9c01-7be4-d556`.
 * Equal on both ends only when no one sits in the middle.
 */
export function tokenFingerprint(token: Uint8Array): string {
  const h = toHex(token.subarray(0, 8))
  return `${h.slice(0, 4)}-${h.slice(4, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}`
}

/** Lowercase hex of bytes (browser-safe; no `Buffer`). */
export function toHex(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += b.toString(16).padStart(2, '0')
  return s
}
