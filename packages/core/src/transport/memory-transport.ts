import { type ArqEngineFactory, createArqEngine } from '../arq/create-engine.js'
import { scheduleTurn } from '../util/schedule-turn.js'
import { mulberry32 } from './prng.js'
import type { Transport } from './transport.js'
import { TransportBase } from './transport-base.js'

/** Options of the in-memory transports. */
export interface MemoryTransportOptions {
  /** `true` (default): ordered and lossless. `false`: datagram semantics with the impairments below. */
  reliable?: boolean
  /** Reliable only: behave as a transport the kernel keeps alive (TCP keepalive; `Transport.keepAlive`). Default false. */
  keepAlive?: boolean
  /** Largest frame, bytes. Default 16 MiB reliable, 65 507 datagram. */
  maxFrame?: number
  /** Bytes a side may queue towards a peer that is not reading before the transport closes. Default 64 MiB. */
  maxBuffered?: number
  /** Datagram only: seed of the impairment PRNG. Default 1. */
  seed?: number
  /** Datagram only: probability a frame is dropped (0..1). */
  drop?: number
  /** Datagram only: probability a frame is delivered twice. */
  duplicate?: number
  /** Datagram only: probability a frame is held back and delivered after later ones. */
  reorder?: number
}

const DEFAULT_RELIABLE_MAX = 16 * 1024 * 1024
const DEFAULT_DATAGRAM_MAX = 65_507

let nextPort = 40_000

class MemoryEnd extends TransportBase {
  peer!: MemoryEnd
  /**
   * Datagram client ends: when the server end is gone, a new HELLO reaches a fresh server end,
   * as a UDP listener makes a new transport for a HELLO from an unknown address. @internal
   */
  respawn: (() => MemoryEnd | null) | null = null
  /** Frames on their way to this end (the "network"), delivered once per turn. */
  private inbox: Uint8Array[] = []
  private inboxBytes = 0
  private scheduled = false
  private readonly random: (() => number) | null
  private readonly options: MemoryTransportOptions
  /** Datagram ends offer reliable mode (PROTOCOL.md 9). */
  readonly arqEngine: ArqEngineFactory | undefined

  constructor(options: MemoryTransportOptions, remoteAddress: string, seedOffset: number) {
    const reliable = options.reliable ?? true
    super({
      reliable,
      keepAlive: reliable && (options.keepAlive ?? false),
      maxFrame: options.maxFrame ?? (reliable ? DEFAULT_RELIABLE_MAX : DEFAULT_DATAGRAM_MAX),
      remoteAddress,
      // a datagram link drops instead of queueing
      maxBuffered: reliable ? (options.maxBuffered ?? 64 * 1024 * 1024) : Number.POSITIVE_INFINITY,
    })
    this.options = options
    this.random = reliable ? null : mulberry32((options.seed ?? 1) * 2 + seedOffset)
    this.arqEngine = reliable ? undefined : createArqEngine
  }

  get bufferedAmount(): number {
    return this.peer.inboxBytes
  }

  protected output(frame: Uint8Array): void {
    if (this.peer.closed && this.respawn && frame[0] === 1) {
      const fresh = this.respawn()
      if (fresh) this.peer = fresh
    }
    // The receiver owns what it gets: copy, as a real network would.
    const copy = frame.slice()
    const r = this.random
    if (r) {
      if (r() < (this.options.drop ?? 0)) return
      if (r() < (this.options.reorder ?? 0)) {
        setTimeout(() => this.peer.enqueue(copy), 1 + Math.floor(r() * 5))
        return
      }
      this.peer.enqueue(copy)
      if (r() < (this.options.duplicate ?? 0)) this.peer.enqueue(copy.slice())
      return
    }
    this.peer.enqueue(copy)
  }

  private enqueue(frame: Uint8Array): void {
    if (this.closed) return
    this.inbox.push(frame)
    this.inboxBytes += frame.length
    if (this.scheduled) return
    this.scheduled = true
    scheduleTurn(() => this.deliver())
  }

  private deliver(): void {
    this.scheduled = false
    const batch = this.inbox
    this.inbox = []
    for (const f of batch) {
      this.inboxBytes -= f.length
      this.receive(f)
    }
  }

  protected closeLink(): void {
    this.inbox = []
    this.inboxBytes = 0
    // Reliable peers learn of the close after the frames already sent to them; a datagram
    // peer learns nothing (there is no close on the wire).
    const peer = this.peer
    if (this.reliable) scheduleTurn(() => peer.remoteClosed())
  }

  private remoteClosed(): void {
    if (this.closed) return
    if (this.inbox.length) {
      // deliver what is queued first, then close
      scheduleTurn(() => this.remoteClosed())
      return
    }
    this.linkClosed()
  }
}

/**
 * Two connected in-memory transport ends `[client, server]`, for tests and for apps that run
 * both ends in one process. With `reliable: false` it behaves like a lossy datagram link.
 */
export function memoryPair(options: MemoryTransportOptions = {}): [Transport, Transport] {
  return memoryPairWithRespawn(options, null)
}

/**
 * Like {@link memoryPair}; with `accept`, a datagram client end whose server end closed
 * hands a fresh server end to `accept` when it sends a new HELLO. @internal
 */
export function memoryPairWithRespawn(options: MemoryTransportOptions, accept: ((t: Transport) => boolean) | null): [Transport, Transport] {
  const port = nextPort++
  const a = new MemoryEnd(options, `memory:server`, 0)
  const b = new MemoryEnd(options, `memory:${port}`, 1)
  a.peer = b
  b.peer = a
  if (accept && !a.reliable) {
    let respawns = 0
    a.respawn = () => {
      const fresh = new MemoryEnd(options, `memory:${port}`, 2 + respawns++)
      fresh.peer = a
      return accept(fresh) ? fresh : null
    }
  }
  return [a, b]
}
