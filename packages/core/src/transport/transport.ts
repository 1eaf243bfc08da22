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
 * Rules every transport follows (the conformance suite checks them):
 * - `send` never splits or merges frames; a frame arrives whole or not at all.
 * - Frames that arrive before `setHandlers` is called are kept (in order) and delivered then.
 * - `close` is idempotent; `handlers.close` is reported exactly once, whoever closed.
 * - Bounded memory: when `bufferedAmount` would exceed the transport's own limit (a peer that
 *   does not read), the transport closes itself with an error saying so.
 * - Handshake-sized frames first: until core calls {@link Transport.authenticated}, a frame
 *   larger than `Defaults.handshakeFrameMax` closes the transport with `TransportError` code
 *   `kp.FrameTooLarge`, before the transport allocates for it.
 */
export interface Transport {
  /** True for ordered, lossless transports (TCP, WebSocket); false for datagrams (UDP). */
  readonly reliable: boolean
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
