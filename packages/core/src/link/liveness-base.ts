/**
 * What a link's liveness tracks on either side (PROTOCOL.md 6.2): when it last sent and last
 * received. The client's `Liveness` keeps its own timer; the server's `SweptLiveness` is checked
 * by a shared sweep. @internal
 */
export abstract class LivenessBase {
  protected lastSent = Date.now()
  protected lastReceived = Date.now()

  constructor(protected idleTimeoutMs: number) {}

  get idleTimeout(): number {
    return this.idleTimeoutMs
  }

  /** Something was sent now. */
  sent(): void {
    this.lastSent = Date.now()
  }

  /** Something was received now. */
  received(): void {
    this.lastReceived = Date.now()
  }

  /** A PING came and its PONG is queued: that counts as sending. */
  answeredPing(): void {
    this.lastSent = Date.now()
  }

  /** Checks nothing more; nothing is sent after. */
  abstract stop(): void
}

/**
 * Makes a link's liveness from its intervals and its two actions: the server passes
 * `sweptLiveness` (liveness-sweep.ts), so a client's bundle never holds the sweep. @internal
 */
export type LivenessFactory = (pingIntervalMs: number, idleTimeoutMs: number, ping: () => void, idle: (idleTimeoutMs: number) => void) => LivenessBase
