import { type MessageSink, readMessages } from '../../src/protocol/messages.js'
import type { RawPeer } from './raw-peer.js'

/** The session messages a raw peer received, by kind (what the stream tests look at). */
export interface ReceivedMessages {
  fails: { ref: number; code: string; message: string }[]
  /** Refs of END. */
  ends: number[]
  credits: { ref: number; n: number }[]
  items: number
  stops: number[]
  /** Ids of RESULT. */
  results: number[]
}

const noop = () => {}

/** A sink that ignores every message (for tests that only check that messages parse). */
export const nullSink: MessageSink = {
  ready: noop,
  call: noop,
  push: noop,
  result: noop,
  error: noop,
  cancel: noop,
  ping: noop,
  pong: noop,
  close: noop,
  open: noop,
  item: noop,
  credit: noop,
  end: noop,
  fail: noop,
  stop: noop,
}

/** Reads every plaintext `peer` received so far. */
export function received(peer: RawPeer): ReceivedMessages {
  const out: ReceivedMessages = { fails: [], ends: [], credits: [], items: 0, stops: [], results: [] }
  const sink: MessageSink = {
    ...nullSink,
    result: (id) => void out.results.push(id),
    item: () => void out.items++,
    credit: (ref, n) => void out.credits.push({ ref, n }),
    end: (ref) => void out.ends.push(ref),
    fail: (ref, code, message) => void out.fails.push({ ref, code, message }),
    stop: (ref) => void out.stops.push(ref),
  }
  for (const p of peer.plaintexts) readMessages(p, sink)
  return out
}

/** Waits until `cond` holds, polling every 2 ms; throws after `ms`. */
export async function until(cond: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 2))
  }
}
