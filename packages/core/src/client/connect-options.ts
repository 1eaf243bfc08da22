import type { SigningKey } from '@kp/crypto'
import type { ErrorRegistry } from '../rpc/application-error.js'
import type { ResumeRefusedError } from '../errors/resume-refused-error.js'
import type { KiloInterface } from '../rpc/kilo-interface.js'
import type { Logger } from '../util/logger.js'
import type { PinningOptions } from './server-check.js'
import type { ReconnectOptions } from './reconnect-policy.js'

/**
 * Connection state of a {@link KiloClient}. `interrupted`: a resumable session lost its link
 * and the client is bringing it back (calls made meanwhile wait in the session and are sent on
 * resume); it becomes `connected` again (event `resumed`) or, when the session cannot be
 * resumed, `disconnected` and then `connected` with a fresh session (event `resumeRefused`).
 */
export type ClientState = 'connecting' | 'connected' | 'interrupted' | 'disconnected' | 'closed'

/**
 * Options of {@link connect}. How the server is checked is a choice that must be made: one of
 * `serverId` (pin), `knownServers` (trust on first use) or `insecureAcceptAnyServer: true`.
 */
export interface ConnectOptions<S = unknown> extends PinningOptions {
  /** Commands this client answers (server-initiated calls and pushes). */
  iface?: KiloInterface<S>
  /** The client's own session object, passed to `iface` handlers as `ctx.session`. */
  session?: S
  /** The client's Ed25519 identity; absent: anonymous. */
  key?: SigningKey
  /** Reconnect with exponential backoff and jitter (default true). */
  reconnect?: boolean | ReconnectOptions
  /** Default 10 000 ms. */
  handshakeTimeoutMs?: number
  /**
   * Datagram transports: ask for reliable mode (PROTOCOL.md 9): KCP-style retransmission inside
   * the encrypted session, messages up to 255 datagrams. Ignored on reliable transports. Default false.
   */
  reliable?: boolean
  /**
   * Default timeout of a call, including the time it waits for a connection: 30 000 ms on
   * reliable transports and in reliable datagram mode, 10 000 ms on plain datagrams. 0: none.
   */
  callTimeoutMs?: number
  /** Our calls in flight at once; more wait locally. Default 1024. */
  maxInFlight?: number
  /** The registry of application errors the server's errors are re-created from. Default: the realm's. */
  errors?: ErrorRegistry
  /** Streams the server may have open on this client at once, and ours open at once (more wait). Default 256. */
  maxStreams?: number
  /** Default `credit` of streams this client reads, and the window of the server's sinks and channels. Default 256. */
  streamCredit?: number
  /**
   * Resumable sessions (PROTOCOL.md 15), when the server offers them (`serve(..., { resume })`):
   * after a dropped link the client reconnects with a new handshake and carries on with the same
   * session: calls in flight get exactly one answer, streams continue, nothing runs twice.
   * `maxBytes` (default 1 MiB) bounds what this client keeps unacknowledged. Default off.
   */
  resume?: boolean | { maxBytes?: number }
  /** Aborting closes the client. */
  signal?: AbortSignal
  /** Where failures are reported. Default: warnings and errors on the console; `silentLogger` prints nothing. */
  logger?: Logger
}

/** Options of {@link KiloClient.ready}. */
export interface ReadyOptions {
  /** Reject with `TimeoutError` (saying why there is no connection) after this long. Default: no limit. */
  timeoutMs?: number
  /** Reject with `AbortedError` when aborted (the client keeps connecting). */
  signal?: AbortSignal
}

/** Events of a {@link KiloClient}. */
export interface ClientEvents {
  state: [ClientState]
  connected: []
  disconnected: [reason: string]
  error: [Error]
  /** A resumable session lost its link; the client is bringing it back (state `interrupted`). */
  interrupted: [reason: string]
  /** The interrupted session carries on over a new link (state `connected`). */
  resumed: []
  /** The session could not be resumed: a fresh one follows, the application rebuilds its state. */
  resumeRefused: [error: ResumeRefusedError]
}
