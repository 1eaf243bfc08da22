/**
 * Codes of `TransportError` (its `code` property), shared by every transport so callers can
 * match on a constant instead of a string literal.
 */
export const TransportCode = {
  /** Generic transport failure. */
  Transport: 'kp.Transport',
  /** The peer does not read: more than the transport's `maxBuffered` bytes queued. */
  SlowPeer: 'kp.SlowPeer',
  /** The process-wide memory budget for buffered output or reassembly is spent. */
  MemoryBudget: 'kp.MemoryBudget',
  /** A frame larger than the transport accepts right now (handshake size before the handshake). */
  FrameTooLarge: 'kp.FrameTooLarge',
  /** More frames arrived before core installed the transport's handlers than it keeps. */
  EarlyFrames: 'kp.EarlyFrames',
  /** The peer speaks another protocol (an HTTP server, a TLS client): the wrong port. */
  NotKiloparsec: 'kp.NotKiloparsec',
  /** Nothing listens at the address. */
  ConnectionRefused: 'kp.ConnectionRefused',
  /** The connect attempt did not complete in time. */
  ConnectTimeout: 'kp.ConnectTimeout',
  /** The connect attempt failed for another reason (DNS, unreachable, reset). */
  ConnectFailed: 'kp.ConnectFailed',
  /** The listen address is taken. */
  AddressInUse: 'kp.AddressInUse',
  /** Listening failed for another reason. */
  Listen: 'kp.Listen',
  /** The connection was idle (no byte, or no complete handshake) for too long. */
  IdleTimeout: 'kp.IdleTimeout',
  /** A datagram session was replaced by a newer handshake from the same address. */
  Superseded: 'kp.Superseded',
  /** Replaced by another connection. */
  Replaced: 'kp.Replaced',
} as const

/** One of {@link TransportCode}'s values. */
export type TransportCodeValue = (typeof TransportCode)[keyof typeof TransportCode]
