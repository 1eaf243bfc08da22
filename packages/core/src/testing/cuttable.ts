import type { Connector, Transport, TransportHandlers } from '../transport/transport.js'

/** A connector whose current connection a test can cut, as a network drop would. */
export interface Cuttable {
  /** Connects through `connectors[n]` on the n-th connection (the last one repeats). */
  readonly connector: Connector
  /**
   * Cuts the current connection: from now nothing it sends or receives arrives (in flight: lost),
   * and after `blackholeMs` the client's transport closes. Returns false when none is open.
   */
  cut(blackholeMs?: number): boolean
  /** Connections made so far. */
  readonly connections: number
  /** Connections cut so far. */
  readonly cuts: number
}

/**
 * Wraps connectors so a test can drop the connection in the middle of traffic (for resumable
 * sessions, PROTOCOL.md 15). With several connectors, each reconnection uses the next one, so a
 * session opened over one transport resumes over another (UDP, then WebSocket...).
 */
export function cuttable(connectors: Connector | Connector[]): Cuttable {
  const list = Array.isArray(connectors) ? connectors : [connectors]
  if (list.length === 0) throw new RangeError('"connectors" expected at least one connector')
  let current: CutTransport | null = null
  let connections = 0
  let cuts = 0
  const connector: Connector = async (signal) => {
    const inner = await list[Math.min(connections, list.length - 1)]!(signal)
    connections++
    current = new CutTransport(inner)
    return current
  }
  return {
    connector,
    cut(blackholeMs = 0) {
      const t = current
      if (t === null || t.isCut) return false
      cuts++
      t.cut(blackholeMs)
      return true
    },
    get connections() {
      return connections
    },
    get cuts() {
      return cuts
    },
  }
}

class CutTransport implements Transport {
  private handlers: TransportHandlers | null = null
  isCut = false
  private closed = false

  constructor(private readonly inner: Transport) {}

  get reliable(): boolean {
    return this.inner.reliable
  }
  get maxFrame(): number {
    return this.inner.maxFrame
  }
  get remoteAddress(): string {
    return this.inner.remoteAddress
  }
  get bufferedAmount(): number {
    return this.inner.bufferedAmount
  }
  get arqEngine() {
    return this.inner.arqEngine
  }
  send(frame: Uint8Array): void {
    if (!this.isCut) this.inner.send(frame)
  }
  setHandlers(handlers: TransportHandlers): void {
    this.handlers = handlers
    this.inner.setHandlers({
      frame: (f) => {
        if (!this.isCut) handlers.frame(f)
      },
      close: (e) => this.closeOnce(e),
    })
  }
  close(error?: Error): void {
    if (this.closed) return
    this.closed = true
    this.inner.close(error)
  }
  established(): void {
    this.inner.established?.()
  }
  authenticated(): void {
    this.inner.authenticated?.()
  }

  cut(blackholeMs: number): void {
    this.isCut = true
    const end = () => {
      const e = new Error('connection cut by the test')
      if (!this.closed) {
        this.closed = true
        this.inner.close(e)
      }
      this.closeOnce(e)
    }
    if (blackholeMs > 0) setTimeout(end, blackholeMs)
    else end()
  }

  private reported = false
  private closeOnce(e: Error | undefined): void {
    if (this.reported) return
    this.reported = true
    this.handlers?.close(e)
  }
}
