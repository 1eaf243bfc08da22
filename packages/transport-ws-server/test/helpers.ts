import type { Transport } from '@kp/core'
import { wsConnector } from '@kp/transport-ws-client'
import { type WsListener, type WsListenerOptions, wsListener } from '../src/index.js'

/** What a test sees of one server-side transport. */
export interface Accepted {
  transport: Transport
  /** Resolves with the close error (or undefined) when the transport reports close. */
  closed: Promise<Error | undefined>
}

/**
 * A listener on 127.0.0.1 that echoes every frame back and records what it accepted. Its
 * transports take frames up to maxFrame at once (as after a handshake) unless `authenticated` is false.
 */
export async function echoServer(options: Partial<WsListenerOptions> = {}, authenticated = true) {
  const listener: WsListener = await wsListener(options.server ? options : { port: 0, host: '127.0.0.1', ...options })
  const accepted: Accepted[] = []
  const waiters: ((a: Accepted) => void)[] = []
  listener.onConnection((transport) => {
    let done!: (e: Error | undefined) => void
    const closed = new Promise<Error | undefined>((r) => (done = r))
    if (authenticated) transport.authenticated?.()
    transport.setHandlers({ frame: (f) => transport.send(f), close: (e) => done(e) })
    const a = { transport, closed }
    accepted.push(a)
    waiters.shift()?.(a)
  })
  return {
    listener,
    accepted,
    /** The next accepted transport. */
    nextAccepted: () => new Promise<Accepted>((r) => waiters.push(r)),
    async [Symbol.asyncDispose]() {
      for (const a of accepted) a.transport.close()
      await listener.close()
    },
  }
}

/** A client transport whose frames go into a queue that tests await one at a time (frames up to maxFrame unless `authenticated` is false). */
export async function client(url: string, options: Parameters<typeof wsConnector>[1] = {}, authenticated = true) {
  const transport = await wsConnector(url, options)()
  if (authenticated) transport.authenticated?.()
  const frames: Uint8Array[] = []
  const waiters: ((f: Uint8Array) => void)[] = []
  let done!: (e: Error | undefined) => void
  const closed = new Promise<Error | undefined>((r) => (done = r))
  transport.setHandlers({
    frame: (f) => {
      const w = waiters.shift()
      if (w) w(f)
      else frames.push(f)
    },
    close: (e) => done(e),
  })
  const next = () => {
    const f = frames.shift()
    return f ? Promise.resolve(f) : new Promise<Uint8Array>((r) => waiters.push(r))
  }
  return {
    transport,
    closed,
    next,
    /** Sends `frame` and returns the echo. */
    async echo(frame: Uint8Array) {
      transport.send(frame)
      return next()
    },
  }
}

/** Bytes 0, 1, 2, ... of length `n`, offset by `seed`. */
export function pattern(n: number, seed = 0): Uint8Array {
  const a = new Uint8Array(n)
  for (let i = 0; i < n; i++) a[i] = (i + seed) & 0xff
  return a
}

/** Fast byte equality (vitest's deep equality walks large arrays element by element). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
}
