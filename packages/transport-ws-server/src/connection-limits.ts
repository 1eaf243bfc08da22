import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'

/**
 * Counts a WebSocket listener's connections against `maxConnections` and destroys those of its
 * own server that have not upgraded within `upgradeTimeoutMs` (a socket that never sends a byte
 * is never seen by the HTTP parser's timeouts on every Node version). @internal
 */
export class ConnectionLimits {
  open = 0
  dropped = 0
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

  /** Attached server: may one more WebSocket session start? Counts it until its socket closes. */
  admitSession(socket: Duplex): boolean {
    if (this.open >= this.maxConnections) {
      this.dropped++
      return false
    }
    this.open++
    socket.once('close', () => this.open--)
    return true
  }
}
