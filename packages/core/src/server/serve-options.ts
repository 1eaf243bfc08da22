import type { PublicKey, SigningKey } from '@kp/crypto'
import { Defaults } from '../protocol/constants.js'
import type { ErrorRegistry } from '../rpc/application-error.js'
import { defaultLogger, type Logger } from '../util/logger.js'
import { integerOption } from '../util/options.js'
import { resolveResume, type ResumeServeOptions } from '../rpc/resume-options.js'

export type { ResumeServeOptions } from '../rpc/resume-options.js'

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
  /**
   * Streams, sinks and channels a client may have open on the server at once (PROTOCOL.md 14);
   * more are refused with kp.Busy. Also how many the server opens to one client at once (more
   * wait). Default 256.
   */
  maxStreams?: number
  /**
   * Window of the items the server reads on a stream (credit, PROTOCOL.md 14): a client's sink
   * or channel has at most this many items in flight or buffered here, and credit also stops
   * once about 512 KiB is held. Also the default `credit` of the server's own streams. Default 256.
   */
  streamCredit?: number
  /** Largest message accepted from a client, announced in READY. Default: what one frame carries. */
  maxMessage?: number
  /**
   * Announced PING interval: each side pings when it has sent nothing for this long (PROTOCOL.md
   * 6.2). Default 25 000 ms on TCP and WebSocket, 10 000 ms on UDP (NAT mappings); 0: no pings.
   */
  pingIntervalMs?: number
  /** Close a session that sent nothing for this long. Default 60 000 ms on TCP and WebSocket, 30 000 ms on UDP; 0: never. */
  idleTimeoutMs?: number
  /** Caller-side timeout of the server's own calls to clients. Default 30 s on reliable transports and in reliable datagram mode, 10 s on plain datagrams; 0: none. */
  callTimeoutMs?: number
  /** Datagram transports: `'always'` asks every HELLO for a cookie; `'auto'` (default) only under load. */
  cookie?: 'auto' | 'always'
  /** The registry of application errors this server's callers' errors are re-created from. Default: the realm's. */
  errors?: ErrorRegistry
  /**
   * Resumable sessions (PROTOCOL.md 15), for clients that ask (`connect(..., { resume: true })`):
   * a session whose link drops waits up to `windowMs` (default 30 000) for its client to come
   * back, on any listener of this server, keeping at most `maxBytes` (default 1 MiB) of messages
   * the client has not acknowledged. Everything is in memory: a server restart ends sessions.
   * Default: off.
   */
  resume?: boolean | ResumeServeOptions
  /**
   * Where connection events and failures are reported. Default: warnings and errors on the
   * console (a handler that throws, with the command, the peer and the stack); `silentLogger`
   * prints nothing.
   */
  logger?: Logger
}

/** Options with their defaults applied and validated. @internal */
export interface ResolvedServeOptions<S> {
  key: SigningKey
  session: () => S
  requireClientId: boolean
  authorize: ServeOptions<S>['authorize']
  handshakeTimeoutMs: number
  maxHalfOpen: number
  maxHalfOpenPerAddress: number
  handshakesPerSecondPerAddress: number
  handshakeBudgetPerSecond: number
  maxSessions: number
  maxInFlight: number
  maxStreams: number
  streamCredit: number
  maxMessage: number | undefined
  /** Undefined: the transport's default (reliable or datagram). */
  pingIntervalMs: number | undefined
  idleTimeoutMs: number | undefined
  callTimeoutMs: number | undefined
  cookie: 'auto' | 'always'
  errors: ErrorRegistry | undefined
  logger: Logger
  /** Null: resumption off. */
  resume: { windowMs: number; maxBytes: number } | null
}

const DAY_MS = 86_400_000

/** Validates what the user passed to `serve` and applies the defaults (PROTOCOL.md 7). @internal */
export function resolveServeOptions<S>(options: ServeOptions<S>): ResolvedServeOptions<S> {
  if (!options || typeof options !== 'object' || !options.key || typeof options.key.sign !== 'function') {
    throw new TypeError('"options.key" expected a SigningKey (the server identity), e.g. SigningKey.generate()')
  }
  if (options.session !== undefined && typeof options.session !== 'function') throw new TypeError('"options.session" expected a function () => session object')
  if (options.authorize !== undefined && typeof options.authorize !== 'function')
    throw new TypeError('"options.authorize" expected a function (remoteId, info) => boolean')
  if (options.cookie !== undefined && options.cookie !== 'auto' && options.cookie !== 'always') {
    throw new TypeError(`"options.cookie" expected 'auto' or 'always', got ${String(options.cookie)}`)
  }
  const int = (name: keyof ServeOptions<S>, fallback: number, min: number, max: number) => integerOption(`options.${name}`, options[name], fallback, min, max)
  const ping = options.pingIntervalMs === undefined ? undefined : int('pingIntervalMs', 0, 0, DAY_MS)
  const idle = options.idleTimeoutMs === undefined ? undefined : int('idleTimeoutMs', 0, 0, DAY_MS)
  if (ping !== undefined && ping > 0 && ping < Defaults.minPingIntervalMs)
    throw new RangeError(`"options.pingIntervalMs" expected 0 or at least ${Defaults.minPingIntervalMs}, got ${ping}`)
  if (idle !== undefined && idle > 0 && idle < Defaults.minIdleTimeoutMs)
    throw new RangeError(`"options.idleTimeoutMs" expected 0 or at least ${Defaults.minIdleTimeoutMs}, got ${idle}`)
  return {
    key: options.key,
    session: options.session ?? (() => ({}) as S),
    requireClientId: options.requireClientId ?? false,
    authorize: options.authorize,
    handshakeTimeoutMs: int('handshakeTimeoutMs', Defaults.handshakeTimeoutMs, 1, DAY_MS),
    maxHalfOpen: int('maxHalfOpen', Defaults.maxHalfOpen, 1, 1 << 24),
    maxHalfOpenPerAddress: int('maxHalfOpenPerAddress', Defaults.maxHalfOpenPerAddress, 1, 1 << 24),
    handshakesPerSecondPerAddress: int('handshakesPerSecondPerAddress', Defaults.handshakesPerSecondPerAddress, 1, 1e9),
    handshakeBudgetPerSecond: int('handshakeBudgetPerSecond', Defaults.handshakeBudgetPerSecond, 1, 1e9),
    maxSessions: int('maxSessions', Defaults.maxSessions, 1, 1e9),
    maxInFlight: int('maxInFlight', Defaults.maxInFlight, 1, 1 << 20),
    maxStreams: int('maxStreams', Defaults.maxStreams, 1, 1 << 20),
    streamCredit: int('streamCredit', Defaults.streamCredit, 1, Defaults.maxCredit),
    maxMessage: options.maxMessage === undefined ? undefined : int('maxMessage', 0, Defaults.minMessage, Number.MAX_SAFE_INTEGER),
    pingIntervalMs: ping,
    idleTimeoutMs: idle,
    callTimeoutMs: options.callTimeoutMs === undefined ? undefined : int('callTimeoutMs', 0, 0, Defaults.maxTimerMs),
    cookie: options.cookie ?? 'auto',
    errors: options.errors,
    logger: options.logger ?? defaultLogger,
    resume: resolveResume('options.resume', options.resume, Defaults.resumeWindowMs),
  }
}
