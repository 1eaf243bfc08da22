/**
 * The demo's API, shared by the server, the CLI client and the browser page — the TypeScript
 * form of the Kotlin library's sample (`cmdSetFoo`, `cmdGetFoo`, `cmdPing`, `cmdCheckConnected`,
 * `cmdPushClient`) plus a small chat that shows the server pushing to every client, whatever
 * transport each one came in on.
 *
 * Browser-safe: imports only `@kp/core`.
 */
import { bp, command, defineError } from '@kp/core'

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
