/** Segment tags inside an ARQ payload (PROTOCOL.md 9). */
export const SegTag = {
  /** `0x01 ‖ smartint(sn) ‖ u32be(ts) ‖ u8(frg) ‖ bytes(data)`: a fragment of a message. */
  Push: 1,
  /** `0x02 ‖ smartint(sn) ‖ u32be(ts)`: selective ACK of one PUSH, echoing its `ts`. */
  Ack: 2,
  /** `0x03`: window probe (the peer's window is 0). */
  Wask: 3,
  /** `0x04`: window tell (the header's `wnd` is the answer). */
  Wins: 4,
} as const

/** Most fragments one message may have (`frg` is a u8 counting the fragments still to come). */
export const MAX_FRAGMENTS = 255

/**
 * Largest smartint size of a sequence number or `una` (values up to 2^53-1). Fragments are cut
 * for this worst case so a full fragment always fits one packet, however long the session runs.
 */
export const MAX_SN_BYTES = 8

/** Defaults of the engine (PROTOCOL.md 9 and the tuned profile, see README of the bench). */
export const ArqDefaults = {
  sndWnd: 128,
  rcvWnd: 128,
  interval: 10,
  minRto: 30,
  maxRto: 60_000,
  initialRto: 200,
  fastResend: 2,
  fastLimit: 5,
  deadLinkTransmissions: 20,
  deadLinkMs: 30_000,
  /** First window probe after max(rto, this); then ×1.5 per probe up to `probeMaxMs`. */
  probeMinMs: 100,
  probeMaxMs: 10_000,
  redundancy: 2,
  redundancyGap: 5,
  /**
   * Bytes held for sending before the link ends with `kp.SlowPeer`: about 12 largest messages
   * (255 × 1 347 B with the default 1 400-byte datagrams) or 24 full send windows; a peer that
   * reads drains a window per round trip, so this is seconds of backlog at 100 ms.
   */
  maxBuffered: 4 * 1024 * 1024,
  /** Bytes one engine holds before it charges the process-wide memory budget. */
  budgetAllowance: 16 * 1024,
} as const
