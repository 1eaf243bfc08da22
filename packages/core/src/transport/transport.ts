import type { ArqEngineFactory } from '../arq/create-engine.js'

/**
 * The only thing a transport package implements: whole frames in, whole frames out.
 * Handshake, encryption, RPC, liveness and limits all live in `@kp/core`.
 */

/** Callbacks a transport reports to. Set once by core with {@link Transport.setHandlers}. */
export interface TransportHandlers {
  /** One whole frame arrived. The array belongs to the handler from now on (no reuse by the transport). */
  frame(frame: Uint8Array): void
  /** The transport is closed, by either side or by an error. Called exactly once. */
  close(error?: Error): void
}

/**
 * One open connection that moves whole frames.
 *
 * Rules every transport follows (`runTransportContract` of `@kp/core/testing` checks them;
 * `TransportBase` of `@kp/core/transport` implements them, so a transport only moves bytes):
 * - Whole frames: `send` never splits or merges frames; a frame arrives whole or not at all.
 * - Early frames: frames that arrive before `setHandlers` are kept, in order, and delivered in
 *   one microtask queued by `setHandlers` (never synchronously inside it), before any frame that
 *   arrives later. They are bounded (`TransportBase`: 16 frames, 8 KiB): beyond, a reliable
 *   transport closes with `TransportError` code `kp.EarlyFrames`; a datagram transport drops
 *   the frame, as a full kernel buffer would.
 * - Close once: `close` is idempotent; `handlers.close` is called exactly once, whoever closed
 *   (this side, the peer, an error), in a microtask (never inside `close` or `send`). A close
 *   that happens before `setHandlers` is reported once `setHandlers` is called, after the early
 *   frames; a close by this side drops early frames not yet delivered, a close by the peer does
 *   not (a REJECT right before the peer's close still arrives).
 * - Send after close is ignored; `send` of an empty frame or one above `maxFrame` throws
 *   `RangeError`, closed or not.
 * - A `handlers.frame` that throws closes that transport only, reporting what it threw.
 * - Receive limits, handshake-sized frames first: until core calls {@link Transport.authenticated},
 *   a frame larger than `Defaults.handshakeFrameMax` (512 bytes) is refused; from then on one
 *   larger than `maxFrame`. A reliable transport then closes with `TransportError` code
 *   `kp.FrameTooLarge`, deciding on the frame's header before it allocates for the body; a
 *   datagram transport drops the datagram (its source may be spoofed) and counts it.
 * - Bounded output: when `bufferedAmount` would exceed the transport's own limit (a peer that
 *   does not read), the transport closes itself with `kp.SlowPeer`; what it holds beyond a
 *   small allowance is charged to a shared `MemoryBudget`, and when that refuses it closes with
 *   `kp.MemoryBudget`. Reading is never paused for slow writes (two peers sending large
 *   messages at each other would deadlock).
 */
export interface Transport {
  /** True for ordered, lossless transports (TCP, WebSocket); false for datagrams (UDP). */
  readonly reliable: boolean
  /**
   * The operating system keeps an idle connection alive and notices a dead peer by itself (TCP
   * keepalive): the server then announces much longer PING intervals (PROTOCOL.md 6.2), so idle
   * sessions cost the process nothing between them. Absent: false.
   */
  readonly keepAlive?: boolean
  /** Largest frame this transport carries, in bytes. */
  readonly maxFrame: number
  /** Peer address for logs and limits, e.g. `"127.0.0.1:50123"`. */
  readonly remoteAddress: string
  /** Bytes accepted by `send` and not yet handed to the network. */
  readonly bufferedAmount: number
  /** Queues one frame. Throws `RangeError` if it is larger than `maxFrame`; ignored after close. */
  send(frame: Uint8Array): void
  /** Installs the frame and close callbacks (once). */
  setHandlers(handlers: TransportHandlers): void
  /**
   * Closes the connection; `error` is the reason reported to the handlers (none: a clean close).
   * Frames already passed to `send` are still flushed to the peer where the transport can (a
   * REJECT or CLOSE sent just before `close` must arrive), then the connection ends.
   */
  close(error?: Error): void
  /**
   * Optional, set by a listener on a connection it accepted beyond its own connection limit
   * (`maxConnections`): core answers it at once with REJECT `Full` (PROTOCOL.md 4.7) and closes
   * it, so the client learns the server is full instead of seeing a bare close, and logs such
   * refusals once per interval.
   */
  readonly refusal?: 'full'
  /**
   * Optional: called by core once the handshake on this transport has completed. Datagram
   * listeners use it to promote a second handshake from the same address (PROTOCOL.md 8).
   */
  established?(): void
  /**
   * Called by core once the peer has proven that it ran the handshake (server: FINISH opened
   * and verified; client: WELCOME verified). Before it, the transport accepts frames of at most
   * `Defaults.handshakeFrameMax` bytes; from then on up to `maxFrame`. Optional for transports
   * outside this repository: core applies the same bound to what it receives.
   */
  authenticated?(): void
  /**
   * Datagram transports that offer reliable mode (PROTOCOL.md 9): the engine's factory,
   * `createArqEngine` of `@kp/core/arq`. Without it a client's `reliable: true` fails and a
   * server refuses the request. Reached only through here, the engine stays out of bundles
   * that never use datagrams (browsers).
   */
  readonly arqEngine?: ArqEngineFactory | undefined
}

/** Server side: accepts incoming transports. Already listening when handed to `serve`. */
export interface TransportListener {
  /** Registers the callback for each new incoming transport (one callback; set by core). */
  onConnection(accept: (transport: Transport) => void): void
  /** Where the listener is bound (port 0 resolved to the real port). */
  readonly address: { host: string; port: number }
  /** Stops accepting; resolves when the listening socket is closed. Open transports are core's to close. */
  close(): Promise<void>
  /** Optional: true once `close` was called (`serve` refuses a closed listener). */
  readonly isClosed?: boolean
}

/** Client side: opens one transport to the server. Called again on every reconnect. */
export interface Connector {
  (signal?: AbortSignal): Promise<Transport>
  /** Optional: where it connects (`"127.0.0.1:4000"`, `"ws://host/kp"`), for error messages and logs. */
  readonly target?: string
}
