/** What the kp-* systems share: the interface, the server adapter around a KiloServer, the client session. */
import { bp, command, type KiloClient, KiloInterface, type KiloServer, type Logger } from '@kp/core'
import type { ScaleConn, ScaleServer } from '../types.js'

/** A 16-byte string echo. */
export const cmdEcho = command('echo', bp.string, bp.string)
/** The broadcast: a push the server sends to everyone, carrying a sequence number. */
export const cmdNews = command('news', bp.uint, bp.unit)

export const PAYLOAD = '0123456789abcdef'

/** Warnings and errors to stderr, once per distinct first 60 characters (no flood at 50 000 sessions). */
export function quietLogger(tag: string): Logger {
  const seen = new Set<string>()
  const once = (m: string) => {
    const k = m.slice(0, 60)
    if (seen.has(k) || seen.size > 50) return
    seen.add(k)
    console.error(`[${tag}] ${m}`)
  }
  return { warn: once, error: once }
}

export const serverApi = () => new KiloInterface().on(cmdEcho, (s) => s)

/** The scale adapter of a KiloServer. */
export function kpServer(
  server: KiloServer,
  info: Record<string, unknown>,
  stats?: () => Record<string, number> | Promise<Record<string, number>>,
): ScaleServer {
  return {
    info,
    sessions: () => server.sessionCount,
    broadcast: (seq) => server.pushAll(cmdNews, seq),
    stats,
    close: () => server.close(),
  }
}

/** The client side: an interface that takes the broadcast. */
export const clientApi = (onPush: (seq: number) => void) =>
  new KiloInterface().on(cmdNews, (seq) => {
    onPush(seq)
  })

/** A client session once its first call was answered. */
export async function kpConn(client: KiloClient): Promise<ScaleConn> {
  try {
    if ((await client.call(cmdEcho, PAYLOAD)) !== PAYLOAD) throw new Error('bad echo')
  } catch (e) {
    await client.close()
    throw e
  }
  return {
    call: async () => {
      if ((await client.call(cmdEcho, PAYLOAD)) !== PAYLOAD) throw new Error('bad echo')
    },
    close: () => void client.close(),
  }
}
