/** Protocol version spoken by this implementation (PROTOCOL.md 10). */
export const PROTOCOL_VERSION = 1

/** Frame types, the first byte of every frame (PROTOCOL.md 3). */
export const FrameType = {
  Hello: 1,
  Welcome: 2,
  Finish: 3,
  Record: 4,
  Reject: 5,
  Cookie: 6,
  Arq: 7,
} as const

/** Message kinds inside a record's plaintext (PROTOCOL.md 6). */
export const Kind = {
  Ready: 0,
  Call: 1,
  Push: 2,
  Result: 3,
  Error: 4,
  Cancel: 5,
  Ping: 6,
  Pong: 7,
  Close: 8,
  /** Opens a stream, sink or channel (PROTOCOL.md 14). */
  Open: 9,
  /** One item of a stream direction. */
  Item: 10,
  /** More items the reader of a direction accepts. */
  Credit: 11,
  /** The sender ends its direction (a sink's answer carries the result). */
  End: 12,
  /** The sender ends its direction with an error. */
  Fail: 13,
  /** The reader of a direction wants no more items. */
  Stop: 14,
  /** Resumable sessions (PROTOCOL.md 15): the server's resume id, right after READY. */
  Session: 16,
  /** Resumption: the client proves it owns a session (its first message on the new link). */
  Resume: 17,
  /** Resumption accepted: the server's count of the client's segments. */
  Resumed: 18,
  /** Resumption refused, with a reason code. */
  Refused: 19,
  /** Resumable sessions: the number of the segment of session messages that follows. */
  Seq: 20,
  /** Resumable sessions: the highest segment number received. */
  Ack: 21,
} as const

/** REJECT codes (PROTOCOL.md 4.7). */
export const RejectCode = {
  UnsupportedVersion: 1,
  Busy: 2,
  Malformed: 3,
  /** The server holds as many connections or sessions as it allows: come back later (with backoff). */
  Full: 4,
} as const

/** Library error codes that cross the wire (PROTOCOL.md 6.1). */
export const ErrorCode = {
  UnknownCommand: 'kp.UnknownCommand',
  BadArguments: 'kp.BadArguments',
  Busy: 'kp.Busy',
  Internal: 'kp.Internal',
  /** The result did not fit the caller's message limit. */
  MessageTooLarge: 'kp.MessageTooLarge',
  /** The handler's own call to its peer failed with a library error (the peer lacked a command, was busy...). */
  NestedCall: 'kp.NestedCall',
  /** Streams need a transport that loses nothing: plain UDP refuses them (PROTOCOL.md 14). */
  NotSupported: 'kp.NotSupported',
} as const

export const HELLO_SIZE = 256
/** 1 type + 1 version + 32 e_s_pub + 112 sealed. */
export const WELCOME_SIZE = 146
export const SEALED_IDENTITY_SIZE = 112
export const TAG_SIZE = 16
/** Largest smartint of a record counter (a u64) plus the frame type. */
export const RECORD_OVERHEAD = 1 + 10 + TAG_SIZE

/** Defaults of PROTOCOL.md 7 and 6.2. */
export const Defaults = {
  /** Resumable sessions (PROTOCOL.md 15): how long an interrupted session waits. */
  resumeWindowMs: 30_000,
  /** Resumable sessions: unacknowledged bytes kept per session. */
  resumeMaxBytes: 1024 * 1024,
  maxFrameReliable: 16 * 1024 * 1024,
  /**
   * Largest frame accepted before the peer has proven the handshake (HELLO is 256 bytes,
   * WELCOME 146, FINISH 114, REJECT and COOKIE less): nobody anonymous chooses a large buffer.
   */
  handshakeFrameMax: 512,
  handshakeTimeoutMs: 10_000,
  maxHalfOpen: 1024,
  /** Half-open handshakes per peer address (IP; /24 or /64 for datagram HELLOs without a cookie). */
  maxHalfOpenPerAddress: 64,
  /** Handshakes a peer address may start per second while the server is over its handshake budget. */
  handshakesPerSecondPerAddress: 200,
  /** Handshakes per second a server starts before per-address rates apply (about 0.7 of a core). */
  handshakeBudgetPerSecond: 1000,
  maxInFlight: 1024,
  /** Established sessions per server; beyond: REJECT busy. */
  maxSessions: 100_000,
  /**
   * Bytes of incoming calls and pushes that may wait (for the connect hooks, or pushes beyond
   * the in-flight limit) before the connection ends; at least twice the message limit.
   */
  backlogBytes: 8 * 1024 * 1024,
  /** PING interval announced on datagram transports (UDP NAT mappings may expire after 30 s). */
  pingIntervalMs: 10_000,
  /** Idle timeout announced on datagram transports. */
  idleTimeoutMs: 30_000,
  /**
   * PING interval announced on TCP and WebSocket: no NAT mapping to refresh, and half the 60 s
   * idle cut of common proxies and load balancers. Each PING–PONG costs a record each way on
   * every idle session, so a longer interval is what makes idle sessions cheap (PROTOCOL.md 6.2).
   */
  pingIntervalMsReliable: 25_000,
  /** Idle timeout announced on TCP and WebSocket: a lost peer is noticed within a minute. */
  idleTimeoutMsReliable: 60_000,
  /**
   * PING interval announced on transports the operating system keeps alive (TCP with keepalive,
   * `Transport.keepAlive`): the kernel's probes keep NAT mappings and notice a dead peer without
   * waking the process, so the PING only checks that the peer's process still answers. Measured
   * at 2 000 idle TCP sessions: 14.4 µs of server CPU per session and second with a PING every
   * 25 s, 2.4 with none in the window (PROTOCOL.md 6.2).
   */
  pingIntervalMsKeepAlive: 120_000,
  /** Idle timeout announced on transports the operating system keeps alive. */
  idleTimeoutMsKeepAlive: 300_000,
  /** Caller-side call timeout on reliable transports and in reliable datagram mode (0 in options: none). */
  callTimeoutMs: 30_000,
  datagramCallTimeoutMs: 10_000,
  replayWindow: 1024,
  cookieRotateMs: 120_000,
  /**
   * Reliable datagram mode: the largest ARQ datagram by default (KCP uses 1400). Both ends must
   * be able to receive it, and small datagrams survive loss on real networks where IP fragments
   * of a 64 KiB datagram do not. A smaller transport `maxFrame` lowers it.
   */
  arqDatagram: 1400,
  helloResendMs: 250,
  /**
   * Cap of the doubling HELLO/FINISH resend interval on datagram transports. PROTOCOL.md 8 says
   * "250 ms, doubling" without a cap; uncapped, a 10 s handshake gets only 6 tries, and under
   * 20% loss about 1% of handshakes fail. Capped at 1 s it gets 12.
   */
  helloResendMaxMs: 1000,
  /**
   * Datagrams: after a WELCOME correctly signed by another key than the pinned one, how long a
   * client still waits for a valid WELCOME before it reports the pin mismatch.
   */
  pinMismatchGraceMs: 1000,
  /** A datagram server answers at most this many repeated FINISHes with its first record again. */
  maxFinishRepeats: 12,
  /** The smallest `maxMessage` a READY may announce. */
  minMessage: 64,
  /** Announced ping intervals are clamped to at least this (a peer cannot make us ping-flood). */
  minPingIntervalMs: 1000,
  /** Announced idle timeouts are clamped to at least this. */
  minIdleTimeoutMs: 1000,
  /** Longest delay a timer can take (setTimeout fires at once beyond 2^31 - 1 ms). */
  maxTimerMs: 2_147_483_647,
  /**
   * Streams the peer may have open on this side at once, per session (PROTOCOL.md 14); more
   * OPENs are answered with FAIL kp.Busy. This side's own streams beyond it wait locally.
   */
  maxStreams: 256,
  /** The reader's window: items it lets a stream's sender have in flight or buffered (the `credit` option). */
  streamCredit: 256,
  /** Credit granted before the reader knows how large the items are (in OPEN, or the callee's first CREDIT). */
  streamInitialCredit: 16,
  /** Wire: most credit a sender may hold for one direction; more is a protocol error. */
  maxCredit: 2_147_483_647,
  /** A reader grants credit only while its estimate of the bytes buffered and in flight stays below this. */
  streamBufferBytes: 512 * 1024,
  /** Item bytes a sender encodes ahead of the write path, per stream direction. */
  streamQueueBytes: 256 * 1024,
  /** Item bytes all streams together add to one turn's record, after every other message. */
  streamTurnBytes: 256 * 1024,
  /** Items wait while the transport (or the ARQ engine) holds this many bytes not yet sent. */
  streamHighWater: 1024 * 1024,
} as const
