/**
 * The server side of the demo API: one `KiloInterface` with a per-connection session, the same
 * object for every transport.
 */
import type { Cluster } from '@kp/cluster-nats'
import { KiloInterface, type SessionContext } from '@kp/core'
import {
  type ChatMessage,
  cmdChatJoin,
  cmdChatMessage,
  cmdChatSend,
  cmdCheckConnected,
  cmdGetFoo,
  cmdPing,
  cmdPushClient,
  cmdSetFoo,
  type Foo,
  InvalidArgumentError,
  MAX_CHAT_TEXT,
  MAX_NICK,
  NotFoundError,
  type TransportName,
  tokenFingerprint,
} from './api.js'

/** Per-connection state: lives as long as one connection. */
export class Session {
  foo: Foo | null = null
  nick: string | null = null
  constructor(readonly transport: TransportName) {}
}

/** What the service reports, one line per event (the server prints them). */
export type ServiceLog = (line: string) => void

/** The chat topic every session joins in cluster mode. */
export const CHAT_TOPIC = 'chat'

/** The interface plus the live sessions it tracks (for the chat broadcast). */
export interface DemoService {
  api: KiloInterface<Session>
  /** Sessions connected right now to this server, over every transport. */
  readonly online: number
  /**
   * Cluster mode: from now on every session (those connected already too) joins the chat topic
   * and chat messages are published to it, reaching the sessions of every node.
   */
  attachCluster(cluster: Cluster<Session>): void
}

/** Builds the demo's server interface. */
export function createService(log: ServiceLog): DemoService {
  const live = new Set<SessionContext<Session>>()
  let cluster: Cluster<Session> | null = null

  const join = (ctx: SessionContext<Session>) => {
    try {
      cluster?.join(ctx, CHAT_TOPIC)
    } catch (e) {
      log(`! ${ctx.remoteAddress} cannot join the chat: ${(e as Error).message}`)
    }
  }

  const broadcast = (message: ChatMessage) => {
    if (cluster) {
      // one bus message reaches the members on every other node; members here get it directly
      cluster.publish(CHAT_TOPIC, cmdChatMessage, { ...message, node: cluster.name })
      return
    }
    for (const peer of live) {
      try {
        peer.push(cmdChatMessage, message)
      } catch {
        // the peer is closing; its onDisconnected hook removes it
      }
    }
  }

  const api = new KiloInterface<Session>()
    .onConnected((ctx) => {
      live.add(ctx)
      join(ctx)
      const who = ctx.remoteId ? ` client ${ctx.remoteId.toString()}` : ''
      log(`+ ${ctx.session.transport} ${ctx.remoteAddress} connected, token ${tokenFingerprint(ctx.token)}${who} (${live.size} online)`)
    })
    .onDisconnected((ctx, reason) => {
      live.delete(ctx)
      log(`- ${ctx.session.transport} ${ctx.remoteAddress} disconnected: ${reason} (${live.size} online)`)
    })
    .on(cmdSetFoo, (foo, ctx) => {
      ctx.session.foo = foo
    })
    .on(cmdGetFoo, (_, ctx) => {
      if (!ctx.session.foo) throw new NotFoundError('foo is not yet set in this session')
      return ctx.session.foo
    })
    .on(cmdPing, async (text, ctx) => {
      // Calls go both ways: the server calls the client back while the client's call is open.
      try {
        await ctx.call(cmdPushClient, `server push: ${text}`, { timeoutMs: 5_000 })
      } catch {
        // a client without a pushClient handler still gets its pong
      }
      return `pong: ${text}`
    })
    .on(cmdCheckConnected, (_, ctx) => ({
      transport: ctx.session.transport,
      remoteAddress: ctx.remoteAddress,
      nick: ctx.session.nick,
      online: live.size,
      serverTime: new Date(),
    }))
    .on(cmdChatJoin, (nick, ctx) => {
      const clean = nick.trim()
      if (clean.length === 0 || clean.length > MAX_NICK) {
        throw new InvalidArgumentError(`a nickname has 1..${MAX_NICK} characters, got ${clean.length}`)
      }
      const before = ctx.session.nick
      ctx.session.nick = clean
      if (before !== clean) log(`  ${ctx.session.transport} ${ctx.remoteAddress} is now "${clean}"`)
      return { nick: clean, online: live.size }
    })
    .on(cmdChatSend, (text, ctx) => {
      if (ctx.session.nick === null) throw new InvalidArgumentError('join the chat first (chatJoin with a nickname)')
      if (text.length === 0 || text.length > MAX_CHAT_TEXT) {
        throw new InvalidArgumentError(`a message has 1..${MAX_CHAT_TEXT} characters, got ${text.length}`)
      }
      const message: ChatMessage = { nick: ctx.session.nick, transport: ctx.session.transport, text, time: new Date(), node: null }
      log(`  chat [${message.transport}] ${message.nick}: ${text}`)
      broadcast(message)
    })

  return {
    api,
    get online() {
      return live.size
    },
    attachCluster(c) {
      cluster = c
      for (const ctx of live) join(ctx)
    },
  }
}
