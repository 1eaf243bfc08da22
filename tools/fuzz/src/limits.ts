/** The server's limits in the long run (the attacker aims at them, the drain waits for them). */
import type { FuzzLimits } from '@kp/core/testing'

export const LIMITS: FuzzLimits = {
  maxInFlight: 16,
  maxMessage: 16 * 1024,
  handshakeTimeoutMs: 2_000,
  idleTimeoutMs: 5_000,
  pingIntervalMs: 1_000,
}
