import { peerKey } from './peer-address.js'

/** Named limits on handshakes in progress; see {@link HandshakeLimits}. */
export interface HandshakeLimitOptions {
  /**
   * Half-open handshakes per listener (each listener has its own pool; a datagram listener has
   * a second one of the same size for HELLOs whose address is not proven by a cookie).
   */
  maxHalfOpen: number
  /**
   * Half-open handshakes per peer address (per IP; per /24 or /64 for unproven datagrams),
   * enforced once a pool is half full: then no address takes more than its share.
   */
  maxHalfOpenPerAddress: number
  /**
   * Handshakes a peer address may start per second (token bucket, burst of the same size),
   * enforced while the whole server starts more than `handshakeBudgetPerSecond`.
   */
  handshakesPerSecondPerAddress: number
  /** Handshakes per second the server starts before per-address rates apply (its CPU budget). */
  handshakeBudgetPerSecond: number
  /** Clock in milliseconds (tests). */
  now?: () => number
}

/** What to do with a new HELLO. */
export type HelloVerdict = 'accept' | 'busy' | 'cookie'

interface Pool {
  /** Streams, and datagram HELLOs that carried a valid cookie. */
  proven: number
  /** Datagram HELLOs without a cookie (their source may be forged). */
  unproven: number
}

interface Peer {
  halfOpen: number
  tokens: number
  at: number
}

/** Entries kept for idle peers before the table forgets the idle ones. */
const MAX_IDLE_PEERS = 65_536

/**
 * Decides whether a HELLO may start a handshake (issue 14 finding 3): one pool per listener, so
 * spoofed UDP HELLOs cannot lock TCP or WebSocket clients out; a share per peer address, so one
 * peer cannot take a whole pool; and a rate per address, so one peer cannot take all the
 * handshake CPU. Datagram HELLOs without a valid cookie are keyed by network prefix and sent a
 * COOKIE (stateless) instead of being refused; spoofers cannot answer it, real clients can.
 * @internal
 */
export class HandshakeLimits {
  private readonly pools = new Map<object, Pool>()
  private readonly peers = new Map<string, Peer>()
  private readonly now: () => number
  /** Server-wide handshakes started in the current and the previous second. */
  private second = 0
  private thisSecond = 0
  private lastSecond = 0

  constructor(readonly options: HandshakeLimitOptions) {
    this.now = options.now ?? Date.now
  }

  /**
   * The verdict for a HELLO from `remoteAddress` on `pool` (its listener). `verified`: a
   * datagram HELLO carried a valid cookie (its address is real). Reliable transports never get
   * 'cookie'. Takes a rate token when the verdict is 'accept'; call {@link enter} to count it.
   */
  judge(pool: object, remoteAddress: string, reliable: boolean, verified: boolean): HelloVerdict {
    const o = this.options
    const key = peerKey(remoteAddress, !reliable && !verified)
    const peer = this.peer(key)
    const counts = this.pool(pool)
    const inPool = reliable || verified ? counts.proven : counts.unproven
    const poolFull = inPool >= o.maxHalfOpen
    // fair shares apply under pressure only: a half-full pool, a server over its handshake budget
    const peerFull = inPool * 2 >= o.maxHalfOpen && peer.halfOpen >= o.maxHalfOpenPerAddress
    const refill = this.hasToken(peer)
    const overRate = !refill && this.rate() >= o.handshakeBudgetPerSecond
    if (poolFull || peerFull || overRate) {
      // a datagram address not yet proven gets a cookie; a proven one (or a stream) is refused
      return reliable || verified ? 'busy' : 'cookie'
    }
    peer.tokens = Math.max(0, peer.tokens - 1)
    this.count()
    return 'accept'
  }

  /** Server-wide handshakes per second (the last whole second, or this one if larger). */
  private rate(): number {
    this.roll()
    return Math.max(this.thisSecond, this.lastSecond)
  }

  private count(): void {
    this.roll()
    this.thisSecond++
  }

  private roll(): void {
    const s = Math.floor(this.now() / 1000)
    if (s === this.second) return
    this.lastSecond = s === this.second + 1 ? this.thisSecond : 0
    this.thisSecond = 0
    this.second = s
  }

  /** Counts an accepted handshake as half-open; returns the function that ends it (call once). */
  enter(pool: object, remoteAddress: string, reliable: boolean, verified: boolean): () => void {
    const key = peerKey(remoteAddress, !reliable && !verified)
    const peer = this.peer(key)
    const counts = this.pool(pool)
    const field = reliable || verified ? 'proven' : 'unproven'
    peer.halfOpen++
    counts[field]++
    let left = false
    return () => {
      if (left) return
      left = true
      peer.halfOpen--
      counts[field]--
      if (peer.halfOpen === 0 && this.peers.size > MAX_IDLE_PEERS) this.forgetIdle()
    }
  }

  /** Half-open handshakes of one listener (both pools). */
  halfOpen(pool: object): number {
    const c = this.pools.get(pool)
    return c ? c.proven + c.unproven : 0
  }

  private pool(key: object): Pool {
    let c = this.pools.get(key)
    if (!c) this.pools.set(key, (c = { proven: 0, unproven: 0 }))
    return c
  }

  /** Peer entries held (for tests: bounded). */
  get peerEntries(): number {
    return this.peers.size
  }

  private peer(key: string): Peer {
    let p = this.peers.get(key)
    if (!p) {
      if (this.peers.size >= MAX_IDLE_PEERS) this.forgetIdle()
      p = { halfOpen: 0, tokens: this.options.handshakesPerSecondPerAddress, at: this.now() }
      this.peers.set(key, p)
    }
    return p
  }

  private hasToken(p: Peer): boolean {
    const rate = this.options.handshakesPerSecondPerAddress
    const now = this.now()
    p.tokens = Math.min(rate, p.tokens + ((now - p.at) / 1000) * rate)
    p.at = now
    return p.tokens >= 1
  }

  /** Drops peers with nothing half-open (their rate bucket restarts full: bounded memory wins). */
  private forgetIdle(): void {
    for (const [k, p] of this.peers) if (p.halfOpen === 0) this.peers.delete(k)
  }
}
