import type { PublicKey, SigningKey } from '@kp/crypto'
import { HandshakeError } from '../errors/handshake-error.js'
import { CookieJar } from '../handshake/cookie-jar.js'
import { ServerHandshake } from '../handshake/server-handshake.js'
import { Defaults, FrameType, RECORD_OVERHEAD, RejectCode } from '../protocol/constants.js'
import { encodeCookie, encodeReject, type FrameParseError, parseHello } from '../protocol/handshake-frames.js'
import { createSession } from '../rpc/create-session.js'
import type { Session } from '../rpc/session.js'
import type { KiloInterface } from '../rpc/kilo-interface.js'
import type { Transport, TransportListener } from '../transport/transport.js'
import { type Logger, silentLogger } from '../util/logger.js'
import { bytesEqual } from '../util/bytes.js'
import { HandshakeLimits } from './handshake-limits.js'
import { sendRefusal } from './refusal.js'

/** What `authorize` learns about a client that finished its handshake. */
export interface AuthorizeInfo {
  remoteAddress: string
}

/** Options of {@link serve}. */
export interface ServeOptions<S> {
  /** The server's Ed25519 identity; clients pin `key.publicKey`. */
  key: SigningKey
  /** Makes the per-connection session object. Default: `{}`. */
  session?: () => S
  /** Refuse clients without an identity key. Default false. */
  requireClientId?: boolean
  /** Decides whether a client may connect; false sends CLOSE(`unauthorized`) instead of READY. */
  authorize?: (remoteId: PublicKey | null, info: AuthorizeInfo) => boolean | Promise<boolean>
  /** A handshake must complete within this time. Default 10 000 ms. */
  handshakeTimeoutMs?: number
  /**
   * Half-open handshakes allowed at once per listener; beyond: REJECT busy, or COOKIE on
   * datagrams (a datagram listener keeps a second pool of this size for HELLOs whose source
   * address a cookie has not proven). Default 1024.
   */
  maxHalfOpen?: number
  /**
   * Half-open handshakes per peer address (per IP; per /24 or /64 for datagram HELLOs without a
   * cookie), enforced once a listener's pool is half full; beyond: REJECT busy, or COOKIE on
   * datagrams. Default 64.
   */
  maxHalfOpenPerAddress?: number
  /**
   * Handshakes a peer address may start per second (a token bucket with a burst of the same
   * size), enforced while the server as a whole starts more than `handshakeBudgetPerSecond`: a
   * fair share of the handshake CPU under a flood. Beyond: REJECT busy, or COOKIE on datagrams.
   * Default 200.
   */
  handshakesPerSecondPerAddress?: number
  /** Handshakes per second the whole server starts before per-address rates apply. Default 1000. */
  handshakeBudgetPerSecond?: number
  /** Established sessions allowed at once; beyond: REJECT busy. Default 100 000. */
  maxSessions?: number
  /** Calls in flight per session and direction; beyond: ERROR kp.Busy. Default 1024. */
  maxInFlight?: number
  /** Largest message accepted from a client, announced in READY. Default: what one frame carries. */
  maxMessage?: number
  /** Announced PING interval. Default 10 000 ms. */
  pingIntervalMs?: number
  /** Close a session that sent nothing for this long. Default 30 000 ms. */
  idleTimeoutMs?: number
  /** Caller-side timeout of the server's own calls to clients. Default none on reliable, 10 s on datagram transports. */
  callTimeoutMs?: number
  /** Datagram transports: `'always'` asks every HELLO for a cookie; `'auto'` (default) only under load. */
  cookie?: 'auto' | 'always'
  /** Where connection events and failures are reported. Default: silent. */
  logger?: Logger
}

/** A running server. */
export interface KiloServer<S = unknown> {
  /** Established sessions right now. */
  readonly sessionCount: number
  /** Handshakes in progress right now. */
  readonly halfOpenCount: number
  /** The live sessions (connection contexts), for broadcasts. */
  sessions(): Iterable<import('../rpc/context.js').SessionContext<S>>
  /** Addresses of the listeners. */
  readonly addresses: { host: string; port: number }[]
  /** Stops the listeners, closes every session (CLOSE sent) and resolves when all are gone. */
  close(): Promise<void>
}

/**
 * Serves one interface on one or more listeners (TCP, UDP, WebSocket, in-memory...).
 * @example
 * const server = serve(await tcpListener({ port: 8080 }), api, { key, session: () => new Session() })
 */
export function serve<S>(listeners: TransportListener | TransportListener[], iface: KiloInterface<S>, options: ServeOptions<S>): KiloServer<S> {
  if (!options || typeof options !== 'object' || !options.key || typeof options.key.sign !== 'function') {
    throw new TypeError('"options.key" expected a SigningKey (the server identity), e.g. SigningKey.generate()')
  }
  const list = Array.isArray(listeners) ? listeners : [listeners]
  const log = options.logger ?? silentLogger
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? Defaults.handshakeTimeoutMs
  const limits = new HandshakeLimits({
    maxHalfOpen: options.maxHalfOpen ?? Defaults.maxHalfOpen,
    maxHalfOpenPerAddress: options.maxHalfOpenPerAddress ?? Defaults.maxHalfOpenPerAddress,
    handshakesPerSecondPerAddress: options.handshakesPerSecondPerAddress ?? Defaults.handshakesPerSecondPerAddress,
    handshakeBudgetPerSecond: options.handshakeBudgetPerSecond ?? Defaults.handshakeBudgetPerSecond,
  })
  const maxSessions = options.maxSessions ?? 100_000
  const cookies = new CookieJar()
  const connections = new Set<Session<S>>()
  const halfOpen = new Set<Transport>()
  const closedWaiters = new Set<() => void>()
  let closing = false

  const settleIfIdle = () => {
    if (closing && connections.size === 0 && halfOpen.size === 0) for (const w of closedWaiters) w()
  }

  const accept = (transport: Transport, pool: TransportListener) => {
    if (closing) {
      transport.close()
      return
    }
    let hs: ServerHandshake | null = null
    let phase: 'hello' | 'finish' | 'authorizing' | 'done' = 'hello'
    let connection: Session<S> | null = null
    // records that follow FINISH while `authorize` runs: bounded in count and bytes
    const buffered: Uint8Array[] = []
    let bufferedBytes = 0
    let leavePool: (() => void) | null = null
    const timer = setTimeout(() => fail(new HandshakeError('timeout', `no complete handshake within ${handshakeTimeoutMs} ms`)), handshakeTimeoutMs)

    const leaveHalfOpen = () => {
      clearTimeout(timer)
      if (leavePool) {
        leavePool()
        leavePool = null
        halfOpen.delete(transport)
      }
    }
    const fail = (e: Error, reject?: { code: number; message: string }) => {
      if (phase === 'done') return
      phase = 'done'
      leaveHalfOpen()
      log.debug?.(`handshake from ${transport.remoteAddress} failed: ${e.message}`)
      if (reject) sendRefusal(transport, encodeReject(reject.code, reject.message))
      transport.close(e)
      settleIfIdle()
    }

    const onHello = (frame: Uint8Array) => {
      let ephemeral: Uint8Array
      let cookie: Uint8Array
      try {
        ;({ ephemeral, cookie } = parseHello(frame))
      } catch (e) {
        const fe = e as FrameParseError
        if (!transport.reliable && fe.reason === 'malformed') return fail(new HandshakeError('malformed', fe.message))
        const code = fe.reason === 'unsupported-version' ? RejectCode.UnsupportedVersion : RejectCode.Malformed
        return fail(new HandshakeError(fe.reason, fe.message), { code, message: fe.message })
      }
      const reliable = transport.reliable
      const address = transport.remoteAddress
      const verified = !reliable && cookie.length > 0 && cookies.verify(address, ephemeral, cookie)
      const verdict = !reliable && !verified && options.cookie === 'always' ? 'cookie' : limits.judge(pool, address, reliable, verified)
      if (verdict === 'cookie') {
        // Stateless: answer with a cookie and forget this transport (PROTOCOL.md 4.6).
        phase = 'done'
        clearTimeout(timer)
        sendRefusal(transport, encodeCookie(cookies.issue(address, ephemeral)))
        transport.close()
        return
      }
      if (verdict === 'busy') {
        return fail(new HandshakeError('busy', `too many handshakes in progress (from ${address} or in all)`), {
          code: RejectCode.Busy,
          message: 'server busy: too many handshakes in progress, retry later',
        })
      }
      if (connections.size >= maxSessions) {
        return fail(new HandshakeError('busy', 'too many sessions'), { code: RejectCode.Busy, message: 'server busy: session limit reached, retry later' })
      }
      leavePool = limits.enter(pool, address, reliable, verified)
      halfOpen.add(transport)
      try {
        hs = new ServerHandshake(frame, options.key)
      } catch (e) {
        return fail(e as Error, { code: RejectCode.Malformed, message: (e as Error).message })
      }
      phase = 'finish'
      transport.send(hs.welcome)
    }

    const onFinish = (frame: Uint8Array) => {
      const h = hs!
      let result: ReturnType<ServerHandshake['onFinish']>
      try {
        result = h.onFinish(frame)
      } catch (e) {
        // A forged FINISH on a datagram transport must not end a real handshake: drop it.
        if (!transport.reliable && HandshakeError.isInstance(e) && e.check === 'decrypt') return
        return fail(e as Error, { code: RejectCode.Malformed, message: (e as Error).message })
      }
      // the peer proved the handshake: the transport may take frames up to maxFrame now
      transport.authenticated?.()
      if (result.reliableRequested && transport.reliable) {
        const msg = 'reliable datagram mode requested on a reliable transport'
        return fail(new HandshakeError('malformed', msg), { code: RejectCode.Malformed, message: msg })
      }
      const arq = result.reliableRequested
      phase = 'authorizing'
      const finishBytes = frame
      const decide = async (): Promise<boolean> => {
        if (options.requireClientId && !result.clientId) return false
        if (!options.authorize) return true
        return await options.authorize(result.clientId, { remoteAddress: transport.remoteAddress })
      }
      decide().then(
        (ok) => establish(ok, result.keys, result.clientId, finishBytes, arq),
        (e) => {
          log.warn?.(`authorize hook failed: ${(e as Error).message}`)
          establish(false, result.keys, result.clientId, finishBytes, arq)
        },
      )
    }

    const establish = (ok: boolean, keys: ServerHandshakeKeys, clientId: PublicKey | null, finish: Uint8Array, arq: boolean) => {
      if (phase !== 'authorizing') return
      phase = 'done'
      leaveHalfOpen()
      if (closing) {
        transport.close()
        settleIfIdle()
        return
      }
      const c = createSession<S>({
        transport,
        keys,
        role: 'server',
        iface,
        session: options.session ? options.session() : ({} as S),
        remoteId: clientId,
        maxInFlight: options.maxInFlight ?? Defaults.maxInFlight,
        // default: what one frame carries (the ARQ engine lowers or raises it to 255 fragments)
        maxMessage: options.maxMessage ?? (arq ? Number.MAX_SAFE_INTEGER : transport.maxFrame - RECORD_OVERHEAD),
        pingIntervalMs: options.pingIntervalMs ?? Defaults.pingIntervalMs,
        idleTimeoutMs: options.idleTimeoutMs ?? Defaults.idleTimeoutMs,
        callTimeoutMs: options.callTimeoutMs ?? (transport.reliable || arq ? 0 : Defaults.datagramCallTimeoutMs),
        finish,
        arq,
        announce: ok,
        logger: log,
        onClose: ({ reason }) => {
          connections.delete(c)
          log.info?.(`session ${transport.remoteAddress} closed: ${reason}`)
          settleIfIdle()
        },
      })
      if (!ok) {
        c.close(options.requireClientId && !clientId ? 'unauthorized: this server requires a client identity key' : 'unauthorized')
        settleIfIdle()
        return
      }
      connection = c
      connections.add(c)
      transport.established?.()
      log.info?.(`session ${transport.remoteAddress} established${clientId ? ` (client ${clientId.toString()})` : ' (anonymous)'}${arq ? ' in reliable datagram mode' : ''}`)
      for (const f of buffered.splice(0)) c.link.onFrame(f)
      c.runConnectedHooks()
    }

    transport.setHandlers({
      frame(frame) {
        if (connection) return connection.link.onFrame(frame)
        const type = frame[0]
        if (phase !== 'authorizing' && frame.length > Defaults.handshakeFrameMax) {
          // before FINISH verifies only handshake-sized frames are valid (transports enforce it too)
          if (transport.reliable) return fail(new HandshakeError('malformed', `frame of ${frame.length} bytes during the handshake (at most ${Defaults.handshakeFrameMax})`))
          return
        }
        if (phase === 'hello') {
          if (type === FrameType.Hello) return onHello(frame)
          if (transport.reliable) return fail(new HandshakeError('malformed', `expected HELLO, got frame type ${type}`))
          return
        }
        if (phase === 'finish') {
          if (type === FrameType.Finish) return onFinish(frame)
          if (type === FrameType.Hello && !transport.reliable) {
            // a repeated HELLO gets the same WELCOME again (our WELCOME was lost)
            if (hs && bytesEqual(frame, hs.hello)) transport.send(hs.welcome)
            return
          }
          if (transport.reliable) return fail(new HandshakeError('malformed', `expected FINISH, got frame type ${type}`))
          return
        }
        if (phase === 'authorizing' && transport.reliable && type === FrameType.Record) {
          // records may follow FINISH at once on reliable transports; keep them for the session
          bufferedBytes += frame.length
          if (buffered.length >= 1024 || bufferedBytes > 2 * transport.maxFrame) {
            return fail(new HandshakeError('malformed', 'too much sent before the server finished the handshake'))
          }
          buffered.push(frame)
        }
      },
      close(error) {
        if (connection) return connection.link.onTransportClose(error)
        if (phase !== 'done') {
          phase = 'done'
          leaveHalfOpen()
          settleIfIdle()
        }
      },
    })
  }

  for (const l of list) l.onConnection((t) => accept(t, l))

  return {
    get sessionCount() {
      return connections.size
    },
    get halfOpenCount() {
      return halfOpen.size
    },
    sessions: () => connections.values(),
    addresses: list.map((l) => l.address),
    async close() {
      if (!closing) {
        // New transports are refused from here on; sessions get their CLOSE while the
        // listeners (a UDP socket is shared by all sessions) can still carry it.
        closing = true
        for (const c of [...connections]) c.close('server closing')
        for (const t of [...halfOpen]) t.close()
        await Promise.all(list.map((l) => l.close()))
      }
      if (connections.size === 0 && halfOpen.size === 0) return
      await new Promise<void>((resolve) => {
        closedWaiters.add(resolve)
        settleIfIdle()
      })
    },
  }
}

type ServerHandshakeKeys = ReturnType<ServerHandshake['onFinish']>['keys']
