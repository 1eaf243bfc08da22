import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'

/**
 * Counts a WebSocket listener's connections against `maxConnections` and destroys those of its
 * own server that have not upgraded within `upgradeTimeoutMs` (a socket that never sends a byte
 * is never seen by the HTTP parser's timeouts on every Node version). @internal
 */
/** Connections beyond `maxConnections` still answered REJECT `Full` (more are dropped or get 503). */
export const REFUSE_MARGIN = 1024

export class ConnectionLimits {
  open = 0
  dropped = 0
  /** Connections beyond `maxConnections` answered REJECT `Full`. */
  refused = 0
  timeouts = 0
  private readonly timers = new WeakMap<object, ReturnType<typeof setTimeout>>()

  constructor(
    private readonly maxConnections: number,
    private readonly upgradeTimeoutMs: number,
  ) {}

  /** Own server: a TCP connection opened (the server's `maxConnections` already admitted it). */
  opened(socket: Socket): void {
    this.open++
    socket.once('close', () => {
      this.open--
      this.upgraded(socket)
    })
    const timer = setTimeout(() => {
      this.timeouts++
      socket.destroy()
    }, this.upgradeTimeoutMs)
    timer.unref()
    this.timers.set(socket, timer)
  }

  /** Own server: the connection sent an upgrade request; the upgrade timer stops. */
  upgraded(socket: object): void {
    const timer = this.timers.get(socket)
    if (timer === undefined) return
    clearTimeout(timer)
    this.timers.delete(socket)
  }

  /**
   * Attached server: may one more WebSocket session start? `'ok'`, `'full'` (beyond
   * `maxConnections`: upgrade it, so that core can answer REJECT `Full`) or `'drop'` (beyond the
   * margin too: answer 503). Counts an admitted one until its socket closes.
   */
  admitSession(socket: Duplex): 'ok' | 'full' | 'drop' {
    if (this.open >= this.maxConnections + REFUSE_MARGIN) {
      this.dropped++
      return 'drop'
    }
    const verdict = this.open >= this.maxConnections ? 'full' : 'ok'
    if (verdict === 'full') this.refused++
    this.open++
    socket.once('close', () => this.open--)
    return verdict
  }

  /** Own server: is the connection that asks to upgrade beyond `maxConnections` (it is counted in `open`)? */
  overLimit(): boolean {
    if (this.open <= this.maxConnections) return false
    this.refused++
    return true
  }
}
